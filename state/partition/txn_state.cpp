#include "state/partition/txn_state.hpp"

#include <algorithm>

#include "runtime/record_batch_layout.hpp"

namespace rivulet::state {

namespace {

namespace attr = batch_format::attr;

// Reads one zig-zag varint (Kafka's record fields) at `pos`; nullopt when it
// runs past `in` or over 5 bytes.
std::optional<std::int32_t> read_varint(std::string_view in, std::size_t& pos) {
  std::uint32_t raw = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (pos >= in.size())
      return std::nullopt;
    auto byte = static_cast<std::uint8_t>(in[pos++]);
    raw |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return static_cast<std::int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  return std::nullopt;
}

std::int32_t be(std::string_view in, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(in[at + static_cast<std::size_t>(i)]);
  return bytes == 2 ? static_cast<std::int16_t>(v) : static_cast<std::int32_t>(v);
}

} // namespace

std::optional<marker_record> decode_marker(const batch_header& h, std::string_view batch) {
  if ((h.attributes & attr::control) == 0 || h.producer_id < 0 || h.records_count != 1
      || (h.attributes & attr::compression_mask) != 0)
    return std::nullopt;
  // One record: length, attributes i8, timestamp delta, offset delta, key
  // length, key (version i16, type i16), value length, value (version i16,
  // coordinator epoch i32).
  std::size_t pos = batch_format::layout::records;
  if (!read_varint(batch, pos) || ++pos > batch.size() || !read_varint(batch, pos) || !read_varint(batch, pos))
    return std::nullopt;
  auto key_len = read_varint(batch, pos);
  if (!key_len || *key_len != 4 || pos + 4 > batch.size())
    return std::nullopt;
  auto type = be(batch, pos + 2, 2);
  pos += 4;
  if (type != 0 && type != 1)
    return std::nullopt;
  marker_record m;
  m.kind = type == 1 ? marker_kind::commit : marker_kind::abort;
  auto value_len = read_varint(batch, pos);
  if (value_len && *value_len >= 6 && pos + 6 <= batch.size())
    m.coordinator_epoch = be(batch, pos + 2, 4);
  return m;
}

void txn_state::apply(const batch_header& h, std::string_view batch, std::int64_t base_offset,
                      std::int64_t last_offset) {
  if (h.producer_id < 0 || (h.attributes & attr::transactional) == 0)
    return;
  if ((h.attributes & attr::control) == 0) {
    open_.try_emplace(h.producer_id, base_offset);
    return;
  }
  auto marker = decode_marker(h, batch);
  if (!marker)
    return;
  auto it = open_.find(h.producer_id);
  if (it == open_.end())
    return; // a marker for a transaction that wrote nothing here
  if (marker->kind == marker_kind::abort) {
    aborted_.push_back(aborted_txn{h.producer_id, it->second, last_offset});
    longest_ = std::max(longest_, last_offset - it->second);
  }
  open_.erase(it);
}

std::int64_t txn_state::last_stable_offset(std::int64_t high_watermark) const {
  std::int64_t lso = high_watermark;
  for (const auto& [pid, first] : open_)
    lso = std::min(lso, first);
  return lso;
}

std::vector<aborted_txn> txn_state::aborted_between(std::int64_t from, std::int64_t to) const {
  std::vector<aborted_txn> out;
  // aborted_ is sorted by last offset; one overlapping [from, to] ends at or
  // after `from` and begins at most longest_ before its end.
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                             [](const aborted_txn& a, std::int64_t v) { return a.last_offset < v; });
  for (; it != aborted_.end() && it->last_offset - longest_ <= to; ++it)
    if (it->first_offset <= to)
      out.push_back(*it);
  return out;
}

} // namespace rivulet::state
