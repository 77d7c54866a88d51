#include "io/kafka/record_batch.hpp"

#include "runtime/crc32c.hpp"
#include "io/kafka/wire.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

namespace rivulet::io::kafka {

namespace {

namespace L = batch_layout;

constexpr std::int32_t min_batch_length =
  static_cast<std::int32_t>(L::header_size - L::log_overhead); // 49

std::string at(std::size_t offset) { return " at offset " + std::to_string(offset); }

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

status check_magic(std::int8_t magic, std::size_t origin) {
  if (magic == record_batch_magic)
    return {};
  if (magic == 0 || magic == 1)
    return {errc::unsupported, "'magic'" + at(origin + L::magic) + " is " +
                                 std::to_string(magic) + ": message format v" +
                                 std::to_string(magic) + " is not supported, only v2"};
  return {errc::corrupted, "'magic'" + at(origin + L::magic) + " is " + std::to_string(magic) +
                             ", expected 2"};
}

// Fixed-layout header fields; the caller guarantees 61 bytes.
batch_header decode_header(const std::uint8_t* p) {
  auto be16 = [p](std::size_t at) {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]));
  };
  auto be32 = [p](std::size_t at) { return static_cast<std::int32_t>(load_be32(p + at)); };
  auto be64 = [p](std::size_t at) { return static_cast<std::int64_t>(load_be64(p + at)); };
  batch_header h;
  h.base_offset = be64(L::base_offset);
  h.batch_length = be32(L::batch_length);
  h.partition_leader_epoch = be32(L::partition_leader_epoch);
  h.magic = static_cast<std::int8_t>(p[L::magic]);
  h.crc = load_be32(p + L::crc);
  h.attributes = be16(L::attributes);
  h.last_offset_delta = be32(L::last_offset_delta);
  h.base_timestamp = be64(L::base_timestamp);
  h.max_timestamp = be64(L::max_timestamp);
  h.producer_id = be64(L::producer_id);
  h.producer_epoch = be16(L::producer_epoch);
  h.base_sequence = be32(L::base_sequence);
  h.records_count = be32(L::records_count);
  return h;
}

record_context context_of(const batch_header& h) {
  return {h.base_offset, h.base_timestamp, h.max_timestamp, h.log_append_time()};
}

// Walks every record of an uncompressed batch. The batch is known to be
// complete, so a record running past its end is corruption, not truncation.
status validate_records(bytes_view records, const batch_header& h, std::size_t origin,
                        std::size_t max_length) {
  wire_reader reader{records, origin, max_length};
  const record_context context = context_of(h);
  std::int64_t previous_delta = -1;
  for (std::int32_t i = 0; i < h.records_count; ++i) {
    const std::size_t start = reader.offset();
    auto prefix = [&] {
      return "record " + std::to_string(i) + " of " + std::to_string(h.records_count) + ": ";
    };
    if (reader.at_end())
      return {errc::corrupted, prefix() + "'records_count' is " +
                                 std::to_string(h.records_count) + " but the batch ends" +
                                 at(start)};
    auto rec = decode_record(reader, context);
    if (!rec) {
      status st = rec.error();
      errc code = st.code() == errc::truncated ? errc::corrupted : st.code();
      return {code, prefix() + st.message()};
    }
    if (rec->offset_delta <= previous_delta || rec->offset_delta > h.last_offset_delta)
      return {errc::corrupted, prefix() + "'offset delta' " + std::to_string(rec->offset_delta) +
                                 " of the record" + at(start) + " is not after " +
                                 std::to_string(previous_delta) + " and within " +
                                 "'last_offset_delta' " + std::to_string(h.last_offset_delta)};
    previous_delta = rec->offset_delta;
  }
  if (!reader.at_end())
    return {errc::corrupted, std::to_string(reader.remaining()) + " bytes" + at(reader.offset()) +
                               " follow the last of 'records_count' " +
                               std::to_string(h.records_count) + " records"};
  return {};
}

// Size checks that need only the 12-byte prefix and the magic byte.
status check_frame(bytes_view bytes, const parse_options& options, std::size_t origin) {
  const std::size_t size = bytes.size();
  if (size < L::log_overhead)
    return {errc::truncated, "batch" + at(origin) + " has " + std::to_string(size) +
                               " bytes, fewer than the 12 of 'base_offset' and 'batch_length'"};
  if (size > L::magic) {
    if (auto st = check_magic(static_cast<std::int8_t>(bytes[L::magic]), origin); !st)
      return st;
  }
  const auto length = static_cast<std::int32_t>(load_be32(bytes.data() + L::batch_length));
  const std::string field = "'batch_length'" + at(origin + L::batch_length);
  if (length < min_batch_length)
    return {errc::corrupted,
            field + " is " + std::to_string(length) + ", less than the minimum 49"};
  const std::size_t total = static_cast<std::size_t>(length) + L::log_overhead;
  if (total > options.max_batch_bytes)
    return {errc::too_large, field + " makes a batch of " + std::to_string(total) +
                               " bytes, more than the maximum " +
                               std::to_string(options.max_batch_bytes)};
  if (size < total)
    return {errc::truncated, field + " makes a batch of " + std::to_string(total) +
                               " bytes, only " + std::to_string(size) + " present"};
  if (size > total)
    return {errc::corrupted, field + " makes a batch of " + std::to_string(total) + " bytes but " +
                               std::to_string(size - total) + " more follow it"};
  return {};
}

} // namespace

result<record_batch_view> record_batch_view::parse(bytes_view bytes, const parse_options& options,
                                                   std::size_t origin) {
  if (auto st = check_frame(bytes, options, origin); !st)
    return st;
  const std::size_t size = bytes.size();
  const batch_header h = decode_header(bytes.data());
  const std::uint32_t computed = crc32c(bytes.data() + L::attributes, size - L::attributes);
  if (computed != h.crc)
    return status{errc::corrupted, "'crc'" + at(origin + L::crc) + " is " + hex32(h.crc) +
                                     " but the CRC-32C of bytes 21.." + std::to_string(size) +
                                     " is " + hex32(computed)};
  if ((h.attributes & batch_attr::compression_mask) > static_cast<int>(compression::zstd))
    return status{errc::corrupted, "'attributes'" + at(origin + L::attributes) +
                                     " name unknown compression id " +
                                     std::to_string(h.attributes & batch_attr::compression_mask)};
  if (h.records_count < 0)
    return status{errc::corrupted, "'records_count'" + at(origin + L::records_count) +
                                     " is negative: " + std::to_string(h.records_count)};
  if (h.last_offset_delta < 0)
    return status{errc::corrupted, "'last_offset_delta'" + at(origin + L::last_offset_delta) +
                                     " is negative: " + std::to_string(h.last_offset_delta)};
  if (h.compression_type() == compression::none) {
    auto st = validate_records(bytes.subspan(L::records), h, origin + L::records,
                               options.max_batch_bytes);
    if (!st)
      return st;
  }
  return record_batch_view{bytes, h, origin, options.max_decompressed_bytes};
}

result<record_range> record_batch_view::records() const {
  const compression codec = header_.compression_type();
  if (codec == compression::none)
    return record_range{records_bytes(), header_.records_count, origin_ + L::records,
                        context_of(header_)};
  auto plain = decompress(codec, records_bytes(), header_.base_offset, max_decompressed_bytes_);
  if (!plain)
    return plain.error();
  auto owned = std::make_shared<const std::vector<std::uint8_t>>(std::move(*plain));
  // Offsets inside the decompressed block do not map to the stored bytes,
  // so errors count from the block's start and say so.
  if (auto st = validate_records(*owned, header_, 0, owned->size()); !st)
    return status{st.code(), std::string(to_string(codec)) + ": the decompressed records of the batch with base offset " +
                               std::to_string(header_.base_offset) + " (offsets within them): " + st.message()};
  return record_range{std::move(owned), header_.records_count, 0, context_of(header_)};
}

namespace {

status check_rewritable(bytes_view batch, const char* field) {
  if (batch.size() < L::header_size)
    return {errc::invalid_argument, std::string("cannot set '") + field + "': " +
                                      std::to_string(batch.size()) +
                                      " bytes are fewer than a 61-byte batch header"};
  if (batch[L::magic] != record_batch_magic)
    return {errc::invalid_argument, std::string("cannot set '") + field + "': 'magic' is " +
                                      std::to_string(static_cast<std::int8_t>(batch[L::magic])) +
                                      ", not 2"};
  return {};
}

} // namespace

status set_base_offset(mutable_bytes_view batch, std::int64_t base_offset) {
  if (auto st = check_rewritable(batch, "base_offset"); !st)
    return st;
  store_be64(batch.data() + L::base_offset, static_cast<std::uint64_t>(base_offset));
  return {};
}

status set_partition_leader_epoch(mutable_bytes_view batch, std::int32_t epoch) {
  if (auto st = check_rewritable(batch, "partition_leader_epoch"); !st)
    return st;
  store_be32(batch.data() + L::partition_leader_epoch, static_cast<std::uint32_t>(epoch));
  return {};
}

batch_split split_batches(bytes_view buffer, const parse_options& options) {
  batch_split out;
  std::size_t pos = 0;
  while (pos < buffer.size()) {
    bytes_view rest = buffer.subspan(pos);
    std::size_t take = rest.size();
    if (rest.size() >= L::log_overhead) {
      const auto length = static_cast<std::int32_t>(load_be32(rest.data() + L::batch_length));
      if (length >= min_batch_length)
        take = std::min(take, static_cast<std::size_t>(length) + L::log_overhead);
    }
    // check_frame() on at most one declared batch: truncated only when the
    // buffer ends inside a batch whose visible header is plausible.
    bytes_view candidate = rest.subspan(0, take);
    if (auto st = check_frame(candidate, options, pos); !st) {
      out.tail = st.code() == errc::truncated ? batch_split::tail_kind::truncated
                                              : batch_split::tail_kind::invalid;
      out.tail_error = st;
      break;
    }
    auto view = record_batch_view::parse(candidate, options, pos);
    if (!view) {
      out.tail = batch_split::tail_kind::invalid;
      out.tail_error = view.error();
      break;
    }
    out.batches.push_back(*view);
    pos += take;
    out.valid_bytes = pos;
  }
  return out;
}

} // namespace rivulet::io::kafka
