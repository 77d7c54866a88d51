#pragma once

// One pass over the batches a partition's raft log stores, for the tables a
// replica derives from its log (producer ids, transactions) when it opens.

#include <functional>
#include <string_view>

#include "runtime/raft/raft_types.hpp"
#include "state/log/batch_header.hpp"
#include "state/log/raft_segment_storage.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// Calls fn(header, batch bytes, raft index, position) for the batches of
/// entries [1, up_to] of `storage` in log order, reading the log once in
/// chunks. Read errors are passed on; corrupted when a stored batch is not
/// where the storage's index table says.
status scan_stored_batches(
  const raft_segment_storage& storage, raft::log_index up_to,
  const std::function<void(const batch_header&, std::string_view, raft::log_index, const raft_batch_position&)>&
    fn);

} // namespace rivulet::state
