#include "io/kafka/wire.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes encode_varint(std::int32_t v) {
  bytes out;
  wire_writer{out}.write_varint(v);
  return out;
}

bytes encode_varlong(std::int64_t v) {
  bytes out;
  wire_writer{out}.write_varlong(v);
  return out;
}

bool mentions(const status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

} // namespace

TEST_CASE("zig-zag varints have Kafka's known encodings", "[io][kafka]") {
  CHECK(encode_varint(0) == bytes{0x00});
  CHECK(encode_varint(-1) == bytes{0x01});
  CHECK(encode_varint(1) == bytes{0x02});
  CHECK(encode_varint(-64) == bytes{0x7f});
  CHECK(encode_varint(64) == bytes{0x80, 0x01});
  CHECK(encode_varint(150) == bytes{0xac, 0x02});
  CHECK(encode_varint(std::numeric_limits<std::int32_t>::max()) ==
        bytes{0xfe, 0xff, 0xff, 0xff, 0x0f});
  CHECK(encode_varint(std::numeric_limits<std::int32_t>::min()) ==
        bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
  CHECK(encode_varlong(std::numeric_limits<std::int64_t>::min()) ==
        bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  bytes u;
  wire_writer{u}.write_uvarint(0xffffffffu);
  CHECK(u == bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
}

TEST_CASE("varints and varlongs round trip at their edges with the sizes predicted", "[io][kafka]") {
  const std::int32_t ints[] = {0, 1, -1, 63, -64, 64, -65, 8191, 8192, 1 << 20, -(1 << 27),
                               std::numeric_limits<std::int32_t>::max(),
                               std::numeric_limits<std::int32_t>::min()};
  for (auto v : ints) {
    bytes b = encode_varint(v);
    CHECK(b.size() == varint_size(v));
    wire_reader r{b};
    auto got = r.read_varint("v");
    REQUIRE(got.ok());
    CHECK(*got == v);
    CHECK(r.at_end());
  }
  const std::int64_t longs[] = {0, -1, 1, std::int64_t{1} << 40, -(std::int64_t{1} << 50),
                                std::numeric_limits<std::int64_t>::max(),
                                std::numeric_limits<std::int64_t>::min()};
  for (auto v : longs) {
    bytes b = encode_varlong(v);
    CHECK(b.size() == varlong_size(v));
    wire_reader r{b};
    auto got = r.read_varlong("v");
    REQUIRE(got.ok());
    CHECK(*got == v);
    CHECK(r.at_end());
  }
}

TEST_CASE("a varint longer than 5 bytes or a varlong longer than 10 is corrupt", "[io][kafka]") {
  bytes six{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  auto v = wire_reader{six}.read_varint("record length");
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code() == errc::corrupted);
  CHECK(mentions(v.error(), "'record length' at offset 0"));

  bytes eleven(10, 0x80);
  eleven.push_back(0x00);
  auto l = wire_reader{eleven}.read_varlong("timestamp delta");
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().code() == errc::corrupted);
  CHECK(mentions(l.error(), "'timestamp delta'"));
}

TEST_CASE("a varint whose last byte overflows the type's width is corrupt", "[io][kafka]") {
  // Kafka's Java reader drops these bits silently; rivulet refuses them.
  bytes over32{0xff, 0xff, 0xff, 0xff, 0x1f};
  CHECK(wire_reader{over32}.read_varint("x").error().code() == errc::corrupted);
  CHECK(wire_reader{over32}.read_uvarint("x").error().code() == errc::corrupted);
  bytes over64(9, 0xff);
  over64.push_back(0x02);
  CHECK(wire_reader{over64}.read_varlong("x").error().code() == errc::corrupted);
  bytes max64(9, 0xff);
  max64.push_back(0x01);
  CHECK(wire_reader{max64}.read_varlong("x").ok());
}

TEST_CASE("padded varint encodings within the maximum length are accepted as Kafka does",
          "[io][kafka]") {
  bytes padded{0x80, 0x00};
  auto a = wire_reader{padded}.read_varint("x");
  REQUIRE(a.ok());
  CHECK(*a == 0);
  bytes padded5{0x81, 0x80, 0x80, 0x80, 0x00}; // zig-zag 1 = -1
  wire_reader r{padded5};
  auto b = r.read_varint("x");
  REQUIRE(b.ok());
  CHECK(*b == -1);
  CHECK(r.position() == 5);
}

TEST_CASE("a varint cut off by the end of the input is truncated", "[io][kafka]") {
  for (bytes b : {bytes{}, bytes{0x80}, bytes{0xff, 0xff, 0xff, 0xff}}) {
    auto v = wire_reader{b}.read_varint("key length");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code() == errc::truncated);
    CHECK(mentions(v.error(), "'key length'"));
  }
}

TEST_CASE("fixed-width integers are big-endian and bounds-checked", "[io][kafka]") {
  bytes b;
  wire_writer w{b};
  w.write_int8(-2);
  w.write_int16(0x1234);
  w.write_int32(-5);
  w.write_int64(0x0102030405060708);
  CHECK(b == bytes{0xfe, 0x12, 0x34, 0xff, 0xff, 0xff, 0xfb, 1, 2, 3, 4, 5, 6, 7, 8});
  wire_reader r{b};
  CHECK(*r.read_int8("a") == -2);
  CHECK(*r.read_int16("b") == 0x1234);
  CHECK(*r.read_int32("c") == -5);
  CHECK(*r.read_int64("d") == 0x0102030405060708);
  auto past = r.read_int32("producer_epoch");
  REQUIRE_FALSE(past.ok());
  CHECK(past.error().code() == errc::truncated);
  CHECK(past.error().message() == "'producer_epoch' at offset 15 needs 4 bytes, 0 left");
}

TEST_CASE("error offsets count from the origin of the enclosing buffer", "[io][kafka]") {
  bytes b{0x00, 0x01};
  wire_reader r{b, 100};
  REQUIRE(r.read_int8("a").ok());
  auto e = r.read_int16("b");
  REQUIRE_FALSE(e.ok());
  CHECK(mentions(e.error(), "'b' at offset 101"));
  bytes five{1, 2, 3, 4, 5};
  wire_reader outer{five, 10};
  REQUIRE(outer.read_int8("skip").ok());
  auto sub = outer.read_sub_reader(2, "body");
  REQUIRE(sub.ok());
  CHECK(sub->offset() == 11);
  CHECK(outer.offset() == 13);
  CHECK(outer.read_sub_reader(5, "body").error().code() == errc::truncated);
}

TEST_CASE("length-prefixed strings and bytes check null, sign, remaining bytes and maximum",
          "[io][kafka]") {
  bytes b;
  wire_writer w{b};
  w.write_string("topic");
  w.write_nullable_string(std::nullopt);
  w.write_nullable_bytes(bytes_view::of("xyz"));
  w.write_varint_nullable_bytes(std::nullopt);
  w.write_compact_string("ab");
  w.write_compact_nullable_bytes(std::nullopt);
  w.write_varint_string("");
  wire_reader r{b};
  CHECK(*r.read_string("name") == "topic");
  CHECK_FALSE(r.read_nullable_string("client_id")->has_value());
  CHECK(r.read_nullable_bytes("records")->value() == bytes_view::of("xyz"));
  CHECK_FALSE(r.read_varint_nullable_bytes("key")->has_value());
  CHECK(*r.read_compact_string("name") == "ab");
  CHECK_FALSE(r.read_compact_nullable_bytes("tagged")->has_value());
  CHECK(*r.read_varint_string("header key") == "");
  CHECK(r.at_end());

  // A null where null is not allowed.
  bytes null16{0xff, 0xff};
  auto s = wire_reader{null16}.read_string("topic name");
  CHECK(s.error().code() == errc::corrupted);
  CHECK(mentions(s.error(), "may not be null"));
  // A negative length other than -1.
  bytes minus2{0xff, 0xff, 0xff, 0xfe};
  auto n = wire_reader{minus2}.read_nullable_bytes("records");
  CHECK(n.error().code() == errc::corrupted);
  CHECK(mentions(n.error(), "only -1 means null"));
  // More than remains.
  bytes short_bytes{0x00, 0x00, 0x00, 0x05, 'a'};
  auto t = wire_reader{short_bytes}.read_nullable_bytes("records");
  CHECK(t.error().code() == errc::truncated);
  CHECK(t.error().message() == "'records' at offset 0 declares 5 bytes, 1 left");
  // More than the configured maximum, even though the bytes are there.
  bytes big{0x00, 0x00, 0x00, 0x04, 1, 2, 3, 4};
  auto m = wire_reader{big, 0, 3}.read_nullable_bytes("records");
  CHECK(m.error().code() == errc::too_large);
  // A huge declared length is refused without reading or allocating.
  bytes huge{0x7f, 0xff, 0xff, 0xff};
  CHECK(wire_reader{huge}.read_nullable_bytes("records").error().code() == errc::too_large);
  CHECK(wire_reader{huge, 0, SIZE_MAX}.read_nullable_bytes("records").error().code() ==
        errc::truncated);
}
