#include "io/kafka/record_batch_builder.hpp"

#include "runtime/crc32c.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/wire.hpp"

#include <cassert>
#include <limits>
#include <string>

namespace rivulet::io::kafka {

namespace {

constexpr std::size_t int32_max = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());

// Encoded size of a nullable length-prefixed field, or 0 when `n` does not
// fit an int32 length.
std::size_t field_size(std::optional<std::size_t> n) {
  if (!n)
    return varint_size(-1);
  if (*n > int32_max)
    return 0;
  return varint_size(static_cast<std::int32_t>(*n)) + *n;
}

std::optional<std::size_t> size_of(std::optional<bytes_view> b) {
  return b ? std::optional<std::size_t>{b->size()} : std::nullopt;
}

} // namespace

record_batch_builder& record_batch_builder::set_producer(std::int64_t producer_id,
                                                         std::int16_t producer_epoch,
                                                         std::int32_t base_sequence) noexcept {
  producer_id_ = producer_id;
  producer_epoch_ = producer_epoch;
  base_sequence_ = base_sequence;
  return *this;
}

record_batch_builder& record_batch_builder::set_transactional(bool on) noexcept {
  attributes_ = static_cast<std::int16_t>(on ? attributes_ | batch_attr::transactional
                                             : attributes_ & ~batch_attr::transactional);
  return *this;
}

record_batch_builder& record_batch_builder::set_control(bool on) noexcept {
  attributes_ = static_cast<std::int16_t>(on ? attributes_ | batch_attr::control
                                             : attributes_ & ~batch_attr::control);
  return *this;
}

record_batch_builder& record_batch_builder::set_partition_leader_epoch(std::int32_t epoch) noexcept {
  partition_leader_epoch_ = epoch;
  return *this;
}

record_batch_builder& record_batch_builder::set_compression(compression codec) noexcept {
  codec_ = codec;
  return *this;
}

status record_batch_builder::append(std::int64_t timestamp_ms, std::optional<bytes_view> key,
                                    std::optional<bytes_view> value,
                                    const std::vector<record_header>& headers) {
  if (count_ == std::numeric_limits<std::int32_t>::max())
    return {errc::invalid_argument, "a batch holds at most 2^31-1 records"};
  const std::int64_t base = count_ == 0 ? timestamp_ms : base_timestamp_;
  // Wrapping subtraction: extreme timestamps must not be undefined behaviour.
  const auto ts_delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(timestamp_ms) -
                                                  static_cast<std::uint64_t>(base));
  const std::size_t key_size = field_size(size_of(key));
  const std::size_t value_size = field_size(size_of(value));
  if (key_size == 0 || value_size == 0)
    return {errc::invalid_argument, std::string(key_size == 0 ? "key" : "value") +
                                      " is longer than 2^31-1 bytes"};
  if (headers.size() > int32_max)
    return {errc::invalid_argument, "more than 2^31-1 headers"};
  std::size_t body = 1 + varlong_size(ts_delta) + varint_size(count_) + key_size + value_size +
                     varint_size(static_cast<std::int32_t>(headers.size()));
  for (const auto& h : headers) {
    const std::size_t k = field_size(h.key.size());
    const std::size_t v = field_size(size_of(h.value));
    if (k == 0 || v == 0)
      return {errc::invalid_argument, "header '" + std::string(h.key.substr(0, 64)) + "' has a " +
                                        (k == 0 ? "key" : "value") + " longer than 2^31-1 bytes"};
    body += k + v;
    if (body > int32_max)
      break;
  }
  if (body > int32_max ||
      size_bytes() + varint_size(static_cast<std::int32_t>(body)) + body > int32_max)
    return {errc::invalid_argument, "the record would make the batch longer than 2^31-1 bytes"};

  wire_writer w{records_};
  w.write_varint(static_cast<std::int32_t>(body));
  w.write_int8(0); // record attributes: unused by Kafka
  w.write_varlong(ts_delta);
  w.write_varint(count_);
  w.write_varint_nullable_bytes(key);
  w.write_varint_nullable_bytes(value);
  w.write_varint(static_cast<std::int32_t>(headers.size()));
  for (const auto& h : headers) {
    w.write_varint_string(h.key);
    w.write_varint_nullable_bytes(h.value);
  }
  if (count_ == 0 || timestamp_ms > max_timestamp_)
    max_timestamp_ = timestamp_ms;
  base_timestamp_ = base;
  ++count_;
  return {};
}

std::size_t record_batch_builder::size_bytes() const noexcept {
  return batch_layout::header_size + records_.size();
}

result<std::vector<std::uint8_t>> record_batch_builder::build(std::int64_t base_offset) const {
  if (count_ == 0)
    return status{errc::invalid_argument, "cannot build a record batch without records"};
  std::vector<std::uint8_t> compressed;
  if (codec_ != compression::none) {
    auto packed = compress(codec_, records_);
    if (!packed)
      return packed.error();
    if (packed->size() > int32_max - batch_layout::header_size)
      return status{errc::invalid_argument, std::string(to_string(codec_)) +
                                              " made the records longer than a batch can hold"};
    compressed = std::move(*packed);
  }
  const std::vector<std::uint8_t>& block = codec_ == compression::none ? records_ : compressed;
  std::vector<std::uint8_t> out;
  out.reserve(batch_layout::header_size + block.size());
  wire_writer w{out};
  w.write_int64(base_offset);
  w.write_int32(0); // batch_length, patched below
  w.write_int32(partition_leader_epoch_);
  w.write_int8(record_batch_magic);
  w.write_uint32(0); // crc, patched below
  w.write_int16(static_cast<std::int16_t>((attributes_ & ~batch_attr::compression_mask) |
                                          static_cast<std::int16_t>(codec_)));
  w.write_int32(count_ - 1);
  w.write_int64(base_timestamp_);
  w.write_int64(max_timestamp_);
  w.write_int64(producer_id_);
  w.write_int16(producer_epoch_);
  w.write_int32(base_sequence_);
  w.write_int32(count_);
  w.write_raw(block);
  w.patch_int32(batch_layout::batch_length,
                static_cast<std::int32_t>(out.size() - batch_layout::log_overhead));
  w.patch_uint32(batch_layout::crc, crc32c(out.data() + batch_layout::attributes,
                                           out.size() - batch_layout::attributes));
  assert(record_batch_view::parse(out).ok());
  return out;
}

void record_batch_builder::clear() noexcept {
  records_.clear();
  count_ = 0;
  base_timestamp_ = 0;
  max_timestamp_ = 0;
}

} // namespace rivulet::io::kafka
