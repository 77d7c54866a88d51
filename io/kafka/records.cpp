#include "io/kafka/records.hpp"

#include <algorithm>
#include <set>

#include "io/kafka/bytes.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"

namespace rivulet::io::kafka {

namespace {

bytes_view view_of(std::string_view s) {
  return bytes_view::of(s);
}

std::string to_string(bytes_view b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

} // namespace

result<std::string> encode_batch(const std::vector<plain_record>& records, const producer_stamp& stamp,
                                 compression codec) {
  record_batch_builder b;
  b.set_producer(stamp.producer_id, stamp.producer_epoch, stamp.base_sequence);
  b.set_transactional(stamp.transactional);
  b.set_compression(codec);
  for (auto& r : records) {
    std::optional<bytes_view> key;
    std::optional<bytes_view> value;
    if (r.key)
      key = view_of(*r.key);
    if (r.value)
      value = view_of(*r.value);
    if (auto st = b.append(r.timestamp_ms, key, value); !st.ok())
      return st;
  }
  auto built = b.build(0);
  if (!built)
    return built.error();
  return std::string(reinterpret_cast<const char*>(built->data()), built->size());
}

namespace {

// Control record type of a marker batch (0 abort, 1 commit); -1 otherwise.
int marker_type(const record_batch_view& batch) {
  auto records = batch.records();
  if (!records)
    return -1;
  for (auto& r : *records) {
    if (!r.key || r.key->size() < 4)
      return -1;
    auto k = r.key->to_vector();
    return (k[2] << 8) | k[3];
  }
  return -1;
}

status decode(std::string_view bytes, std::int64_t from_offset, std::vector<aborted_transaction>* aborted,
              std::vector<read_record>& out) {
  auto split = split_batches(view_of(bytes));
  std::set<std::int64_t> aborting; // producers inside a listed aborted transaction
  if (aborted)
    std::sort(aborted->begin(), aborted->end(),
              [](const aborted_transaction& a, const aborted_transaction& b) { return a.first_offset < b.first_offset; });
  std::size_t next_aborted = 0;
  for (auto& batch : split.batches) {
    auto& h = batch.header();
    if (aborted && h.is_transactional()) {
      while (next_aborted < aborted->size() && (*aborted)[next_aborted].first_offset <= h.last_offset())
        aborting.insert((*aborted)[next_aborted++].producer_id);
      if (h.is_control()) {
        if (marker_type(batch) == 0)
          aborting.erase(h.producer_id);
        continue;
      }
      if (aborting.count(h.producer_id))
        continue;
    }
    if (h.is_control() || h.last_offset() < from_offset)
      continue;
    auto records = batch.records();
    if (!records)
      return status{records.error().code(), "batch at offset " + std::to_string(h.base_offset) + ": "
                                               + records.error().message()};
    for (auto& r : *records) {
      if (r.offset < from_offset)
        continue;
      read_record rr;
      rr.offset = r.offset;
      rr.timestamp_ms = r.timestamp;
      if (r.key)
        rr.key = to_string(*r.key);
      if (r.value)
        rr.value = to_string(*r.value);
      out.push_back(std::move(rr));
    }
  }
  if (split.tail == batch_split::tail_kind::invalid)
    return split.tail_error;
  return {};
}

} // namespace

status decode_batches(std::string_view bytes, std::int64_t from_offset, std::vector<read_record>& out) {
  return decode(bytes, from_offset, nullptr, out);
}

status decode_committed_batches(std::string_view bytes, std::int64_t from_offset,
                                std::vector<aborted_transaction> aborted, std::vector<read_record>& out) {
  return decode(bytes, from_offset, &aborted, out);
}

std::int64_t next_offset(std::string_view bytes, std::int64_t from_offset) {
  auto split = split_batches(view_of(bytes));
  std::int64_t next = from_offset;
  for (auto& batch : split.batches)
    next = std::max(next, batch.header().last_offset() + 1);
  return next;
}

} // namespace rivulet::io::kafka
