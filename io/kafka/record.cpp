#include "io/kafka/record.hpp"

#include <cstdlib>
#include <string>

namespace rivulet::io::kafka {

namespace {

// Iterating bytes that parse() accepted cannot fail unless the caller broke
// the contract by changing them; carrying on would hand out garbage views.
template <class T>
T& or_abort(result<T>& r) {
  if (!r)
    std::abort();
  return *r;
}

std::int64_t wrapping_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

status header_error(const status& st, std::size_t offset, std::size_t index) {
  return {st.code(), "header " + std::to_string(index) + " of the record at offset " +
                       std::to_string(offset) + ": " + st.message()};
}

// Validates `count` headers filling `region` exactly (which starts at
// offset `at`) of the record at `record_at`. Bounded: every header takes at
// least 2 bytes, so a huge count fails as soon as the bytes run out.
status walk_headers(bytes_view region, std::size_t at, std::int32_t count,
                    std::size_t max_length, std::size_t record_at) {
  wire_reader headers{region, at, max_length};
  for (std::int32_t i = 0; i < count; ++i) {
    auto k = headers.read_varint_string("header key");
    if (!k)
      return header_error(k.error(), record_at, static_cast<std::size_t>(i));
    auto v = headers.read_varint_nullable_bytes("header value");
    if (!v)
      return header_error(v.error(), record_at, static_cast<std::size_t>(i));
  }
  if (!headers.at_end())
    return {errc::corrupted, "record at offset " + std::to_string(record_at) +
                               ": its fields end " + std::to_string(headers.remaining()) +
                               " bytes before its declared length"};
  return {};
}

} // namespace

result<record_view> decode_record(wire_reader& reader, const record_context& context) {
  const std::size_t start = reader.offset();
  auto length = reader.read_varint("record length");
  if (!length)
    return length.error();
  if (*length < 0)
    return status{errc::corrupted, "'record length' at offset " + std::to_string(start) +
                                     " is negative: " + std::to_string(*length)};
  const auto declared = static_cast<std::size_t>(*length);
  if (declared > reader.max_length())
    return status{errc::too_large, "'record length' at offset " + std::to_string(start) +
                                     " declares " + std::to_string(declared) +
                                     " bytes, more than the maximum " +
                                     std::to_string(reader.max_length())};
  if (declared > reader.remaining())
    return status{errc::truncated, "'record length' at offset " + std::to_string(start) +
                                     " declares " + std::to_string(declared) + " bytes, " +
                                     std::to_string(reader.remaining()) + " left"};
  auto body_reader = reader.read_sub_reader(declared, "record body");
  if (!body_reader)
    return body_reader.error();
  wire_reader& body = *body_reader;

  record_view rec;
  rec.size_bytes = reader.offset() - start;
  auto attributes = body.read_int8("record attributes");
  if (!attributes)
    return attributes.error();
  rec.attributes = *attributes;
  auto ts_delta = body.read_varlong("timestamp delta");
  if (!ts_delta)
    return ts_delta.error();
  rec.timestamp_delta = *ts_delta;
  auto off_delta = body.read_varint("offset delta");
  if (!off_delta)
    return off_delta.error();
  rec.offset_delta = *off_delta;
  auto key = body.read_varint_nullable_bytes("key");
  if (!key)
    return key.error();
  rec.key = *key;
  auto value = body.read_varint_nullable_bytes("value");
  if (!value)
    return value.error();
  rec.value = *value;
  const std::size_t count_at = body.offset();
  auto header_count = body.read_varint("header count");
  if (!header_count)
    return header_count.error();
  if (*header_count < 0)
    return status{errc::corrupted, "'header count' at offset " + std::to_string(count_at) +
                                     " is negative: " + std::to_string(*header_count)};

  // The headers must fill the rest of the record exactly.
  const std::size_t headers_at = body.offset();
  auto region = body.read_raw(body.remaining(), "headers");
  if (!region)
    return region.error();
  if (auto st = walk_headers(*region, headers_at, *header_count, reader.max_length(), start); !st)
    return st;
  rec.headers = header_range{*region, *header_count, headers_at};

  // Wrapping additions: hostile deltas must not be undefined behaviour.
  rec.offset = wrapping_add(context.base_offset, rec.offset_delta);
  rec.timestamp = context.log_append_time ? context.max_timestamp
                                          : wrapping_add(context.base_timestamp,
                                                         rec.timestamp_delta);
  return rec;
}

// ---- iteration over validated bytes ----
// Readers here have no length maximum: parse() already applied it, and
// bounds are still checked against the bytes.

header_range::iterator header_range::begin() const {
  return iterator{wire_reader{bytes_, origin_, SIZE_MAX}, count_};
}

header_range::iterator::iterator(wire_reader reader, std::int32_t left)
  : reader_(reader), left_(left) {
  load();
}

void header_range::iterator::load() {
  if (left_ <= 0)
    return;
  auto k = reader_.read_varint_string("header key");
  current_.key = or_abort(k);
  auto v = reader_.read_varint_nullable_bytes("header value");
  current_.value = or_abort(v);
}

header_range::iterator& header_range::iterator::operator++() {
  --left_;
  load();
  return *this;
}

record_range::iterator record_range::begin() const {
  return iterator{wire_reader{bytes_, origin_, SIZE_MAX}, count_, context_};
}

record_range::iterator::iterator(wire_reader reader, std::int32_t left,
                                 const record_context& context)
  : reader_(reader), left_(left), context_(context) {
  load();
}

void record_range::iterator::load() {
  if (left_ <= 0)
    return;
  auto rec = decode_record(reader_, context_);
  current_ = or_abort(rec);
}

record_range::iterator& record_range::iterator::operator++() {
  --left_;
  load();
  return *this;
}

} // namespace rivulet::io::kafka
