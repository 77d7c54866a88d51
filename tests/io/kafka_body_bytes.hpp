#pragma once

// Hand-built Kafka body bytes for codec tests: big-endian encodings written
// without wire_writer, so expected bytes do not share the code under test;
// plus the checks every request decoder gets (every strict prefix fails).

#include "io/kafka/wire.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka::test {

using bytes = std::vector<std::uint8_t>;

inline bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline bytes be(std::uint64_t v, int n) {
  bytes out;
  for (int i = n - 1; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return out;
}

inline bytes i8(std::int8_t v) { return be(static_cast<std::uint8_t>(v), 1); }
inline bytes i16(std::int16_t v) { return be(static_cast<std::uint16_t>(v), 2); }
inline bytes i32(std::int32_t v) { return be(static_cast<std::uint32_t>(v), 4); }
inline bytes i64(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 8); }
/// int16-length string.
inline bytes str(std::string_view s) {
  return i16(static_cast<std::int16_t>(s.size())) + bytes(s.begin(), s.end());
}
/// A null nullable string.
inline bytes null_str() { return i16(-1); }
/// int32-length bytes.
inline bytes blob(const bytes& b) { return i32(static_cast<std::int32_t>(b.size())) + b; }
inline bytes blob(std::string_view s) { return blob(bytes(s.begin(), s.end())); }

/// Decodes every strict prefix of `body` with `decode`; each must fail as
/// corrupted (never succeed, never read past the end).
template <class Decode>
void every_prefix_fails(const bytes& body, Decode decode) {
  for (std::size_t n = 0; n < body.size(); ++n) {
    wire_reader r{bytes_view{body.data(), n}};
    auto res = decode(r);
    INFO("prefix of " << n << " bytes");
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code() == errc::corrupted);
  }
}

/// The bytes `encode` writes to a fresh wire_writer.
template <class Encode>
bytes encoded(Encode encode) {
  bytes out;
  wire_writer w{out};
  encode(w);
  return out;
}

} // namespace rivulet::io::kafka::test
