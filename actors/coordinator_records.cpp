#include "actors/coordinator_records.hpp"

#include <algorithm>
#include <optional>

#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"

namespace rivulet::actors {

io::result<std::string> encode_coordinator_batch(const std::vector<group::coordinator_record>& records,
                                                 std::int64_t timestamp_ms) {
  io::kafka::record_batch_builder b;
  for (const auto& r : records) {
    std::optional<io::kafka::bytes_view> value;
    if (r.value)
      value = io::kafka::bytes_view(*r.value);
    if (auto st = b.append(timestamp_ms, io::kafka::bytes_view(r.key), value); !st)
      return st;
  }
  auto built = b.build(0);
  if (!built)
    return built.error();
  return std::string(built->begin(), built->end());
}

std::variant<std::int64_t, std::string>
for_each_coordinator_record(const std::string& batches, std::int64_t from, std::int64_t target,
                            const std::function<void(const group::coordinator_record&)>& fn) {
  io::kafka::bytes_view bytes(reinterpret_cast<const std::uint8_t*>(batches.data()), batches.size());
  auto split = io::kafka::split_batches(bytes);
  if (split.tail == io::kafka::batch_split::tail_kind::invalid)
    return "offsets partition holds an invalid batch at offset " + std::to_string(from) + ": "
           + split.tail_error.to_string();
  std::int64_t next = from;
  for (const auto& batch : split.batches) {
    const auto& h = batch.header();
    if (h.last_offset() < from || h.is_control()) {
      next = std::max(next, h.last_offset() + 1);
      continue;
    }
    auto records = batch.records();
    if (!records)
      return "offsets batch at " + std::to_string(h.base_offset) + ": " + records.error().to_string();
    for (const auto& rec : *records) {
      if (rec.offset < from || !rec.key)
        continue;
      group::coordinator_record cr{rec.key->to_vector(), std::nullopt};
      if (rec.value)
        cr.value = rec.value->to_vector();
      fn(cr);
    }
    next = std::max(next, h.last_offset() + 1);
  }
  if (next == from && from < target)
    return "fetch at offset " + std::to_string(from) + " returned no whole batch";
  return next;
}

} // namespace rivulet::actors
