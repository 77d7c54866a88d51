#pragma once

// Coordinator records in record batches: what group and transaction
// coordinators write to __consumer_offsets and replay from it.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "io/errors.hpp"
#include "runtime/group/offset_store.hpp"

namespace rivulet::actors {

/// The records as one uncompressed record batch v2 (base offset 0: the
/// partition assigns offsets), or why they do not fit in one.
io::result<std::string> encode_coordinator_batch(const std::vector<group::coordinator_record>& records,
                                                 std::int64_t timestamp_ms);

/// Calls fn for each keyed record at or after offset `from` in `batches` (a
/// fetch reply's bytes; control batches such as raft no-ops and markers are
/// skipped). Returns the offset after the last batch, or why the bytes
/// cannot be read. `target` is the offset the caller reads up to: no whole
/// batch before it is an error.
std::variant<std::int64_t, std::string>
for_each_coordinator_record(const std::string& batches, std::int64_t from, std::int64_t target,
                            const std::function<void(const group::coordinator_record&)>& fn);

} // namespace rivulet::actors
