#include "io/kafka/fetch.hpp"
#include "io/kafka/list_offsets.hpp"
#include "io/kafka/produce.hpp"
#include "io/kafka/record_batch_builder.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;

namespace {

using bytes = std::vector<std::uint8_t>;

// Big-endian encodings written by hand, independent of wire_writer, so the
// expected bytes do not share the code under test.
bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes be(std::uint64_t v, int n) {
  bytes out;
  for (int i = n - 1; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return out;
}

bytes i8(std::int8_t v) { return be(static_cast<std::uint8_t>(v), 1); }
bytes i16(std::int16_t v) { return be(static_cast<std::uint16_t>(v), 2); }
bytes i32(std::int32_t v) { return be(static_cast<std::uint32_t>(v), 4); }
bytes i64(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 8); }
bytes str(std::string_view s) {
  return i16(static_cast<std::int16_t>(s.size())) + bytes(s.begin(), s.end());
}
bytes blob(const bytes& b) { return i32(static_cast<std::int32_t>(b.size())) + b; }

bytes one_record_batch() {
  record_batch_builder b;
  REQUIRE(b.append(1000, bytes_view::of("k"), bytes_view::of("v")).ok());
  auto built = b.build(0);
  REQUIRE(built.ok());
  return *built;
}

/// Decodes every strict prefix of `body` with `decode`; each must fail with
/// an error (never succeed, never read past the end).
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

template <class Encode>
bytes encoded(Encode encode) {
  bytes out;
  wire_writer w{out};
  encode(w);
  return out;
}

} // namespace

// ---- Produce ----

TEST_CASE("a Produce v3 request is decoded with its records viewing the frame",
          "[kafka-protocol]") {
  bytes batch = one_record_batch();
  bytes body = i16(-1) + i16(-1) + i32(30000) + i32(1) + str("t") + i32(1) + i32(2) + blob(batch);
  wire_reader r{body};
  auto req = decode_produce_request(r, 3);
  REQUIRE(req.ok());
  CHECK_FALSE(req->transactional_id.has_value());
  CHECK(req->acks == -1);
  CHECK(req->timeout_ms == 30000);
  REQUIRE(req->topics.size() == 1);
  CHECK(req->topics[0].name == "t");
  REQUIRE(req->topics[0].partitions.size() == 1);
  const auto& p = req->topics[0].partitions[0];
  CHECK(p.partition_index == 2);
  REQUIRE(p.records.has_value());
  CHECK(*p.records == bytes_view{batch});
  // Zero copy: the records are the bytes after the length prefix.
  CHECK(p.records->data() == body.data() + body.size() - batch.size());
}

TEST_CASE("a Produce request with a transactional id and a null record set is decoded",
          "[kafka-protocol]") {
  bytes body = str("tx") + i16(1) + i32(5) + i32(1) + str("t") + i32(1) + i32(0) + i32(-1);
  wire_reader r{body};
  auto req = decode_produce_request(r, 7);
  REQUIRE(req.ok());
  CHECK(req->transactional_id == std::optional<std::string_view>{"tx"});
  CHECK(req->acks == 1);
  CHECK_FALSE(req->topics[0].partitions[0].records.has_value());
}

TEST_CASE("a Produce request round-trips through its encoder", "[kafka-protocol]") {
  bytes batch = one_record_batch();
  produce_request in;
  in.acks = 0;
  in.timeout_ms = 7;
  in.topics.push_back({"a", {{0, bytes_view{batch}}, {1, std::nullopt}}});
  bytes body = encoded([&](wire_writer& w) { encode_produce_request(w, in, 5); });
  wire_reader r{body};
  auto out = decode_produce_request(r, 5);
  REQUIRE(out.ok());
  CHECK(out->acks == 0);
  REQUIRE(out->topics.size() == 1);
  REQUIRE(out->topics[0].partitions.size() == 2);
  CHECK(*out->topics[0].partitions[0].records == bytes_view{batch});
  CHECK(out->topics[0].partitions[1].partition_index == 1);
}

TEST_CASE("Produce responses v3 and v5 are encoded byte by byte", "[kafka-protocol]") {
  produce_response resp;
  resp.throttle_time_ms = 3;
  resp.topics.push_back({"t", {{2, kafka_error::not_leader_or_follower, 5, -1, 4}}});
  bytes partition = i32(2) + i16(6) + i64(5) + i64(-1);
  bytes v3 = i32(1) + str("t") + i32(1) + partition + i32(3);
  bytes v5 = i32(1) + str("t") + i32(1) + partition + i64(4) + i32(3);
  CHECK(encoded([&](wire_writer& w) { encode_produce_response(w, resp, 3); }) == v3);
  CHECK(encoded([&](wire_writer& w) { encode_produce_response(w, resp, 4); }) == v3);
  CHECK(encoded([&](wire_writer& w) { encode_produce_response(w, resp, 5); }) == v5);
  CHECK(encoded([&](wire_writer& w) { encode_produce_response(w, resp, 7); }) == v5);
}

TEST_CASE("a truncated Produce request is corrupted at every cut", "[kafka-protocol]") {
  bytes body = i16(-1) + i16(-1) + i32(1) + i32(1) + str("t") + i32(1) + i32(0) +
               blob(one_record_batch());
  every_prefix_fails(body, [](wire_reader& r) { return decode_produce_request(r, 3); });
}

TEST_CASE("Produce requests with bad counts or lengths are errors", "[kafka-protocol]") {
  bytes head = i16(-1) + i16(-1) + i32(1);
  auto decode = [](const bytes& body) {
    wire_reader r{body};
    return decode_produce_request(r, 3);
  };
  SECTION("a negative topic count") { CHECK_FALSE(decode(head + i32(-2)).ok()); }
  SECTION("a null topic array") { CHECK_FALSE(decode(head + i32(-1)).ok()); }
  SECTION("a topic count larger than the frame could hold") {
    auto res = decode(head + i32(0x7fffffff) + str("t"));
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code() == errc::corrupted);
  }
  SECTION("a partition count larger than the frame could hold") {
    CHECK_FALSE(decode(head + i32(1) + str("t") + i32(1000) + i32(0) + i32(0)).ok());
  }
  SECTION("a records length of -2") {
    CHECK_FALSE(decode(head + i32(1) + str("t") + i32(1) + i32(0) + i32(-2)).ok());
  }
  SECTION("a records length past the end") {
    CHECK_FALSE(decode(head + i32(1) + str("t") + i32(1) + i32(0) + i32(10) + i32(0)).ok());
  }
  SECTION("trailing bytes") {
    CHECK_FALSE(decode(head + i32(0) + i8(0)).ok());
  }
  SECTION("an unsupported version") {
    wire_reader r{head + i32(0)};
    auto res = decode_produce_request(r, 2);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code() == errc::unsupported);
  }
}

// ---- Fetch ----

namespace {

bytes fetch_v4_body() {
  return i32(-1) + i32(500) + i32(1) + i32(52428800) + i8(1) + i32(1) + str("t") + i32(1) +
         i32(2) + i64(7) + i32(1048576);
}

} // namespace

TEST_CASE("a Fetch v4 request is decoded from hand-built bytes", "[kafka-protocol]") {
  bytes body = fetch_v4_body();
  wire_reader r{body};
  auto req = decode_fetch_request(r, 4);
  REQUIRE(req.ok());
  CHECK(req->replica_id == -1);
  CHECK(req->max_wait_ms == 500);
  CHECK(req->min_bytes == 1);
  CHECK(req->max_bytes == 52428800);
  CHECK(req->isolation_level == 1);
  CHECK(req->session_epoch == -1);
  REQUIRE(req->topics.size() == 1);
  CHECK(req->topics[0].name == "t");
  REQUIRE(req->topics[0].partitions.size() == 1);
  const auto& p = req->topics[0].partitions[0];
  CHECK(p.partition_index == 2);
  CHECK(p.fetch_offset == 7);
  CHECK(p.log_start_offset == -1);
  CHECK(p.partition_max_bytes == 1048576);
  CHECK(req->forgotten_topics.empty());
}

TEST_CASE("a Fetch v10 request carries sessions, leader epochs and forgotten topics",
          "[kafka-protocol]") {
  bytes body = i32(-1) + i32(500) + i32(1) + i32(100) + i8(0) + i32(9) + i32(3) + i32(1) +
               str("t") + i32(1) + i32(2) + i32(4) + i64(7) + i64(1) + i32(64) + i32(1) +
               str("old") + i32(2) + i32(0) + i32(1);
  wire_reader r{body};
  auto req = decode_fetch_request(r, 10);
  REQUIRE(req.ok());
  CHECK(req->session_id == 9);
  CHECK(req->session_epoch == 3);
  const auto& p = req->topics[0].partitions[0];
  CHECK(p.current_leader_epoch == 4);
  CHECK(p.fetch_offset == 7);
  CHECK(p.log_start_offset == 1);
  CHECK(p.partition_max_bytes == 64);
  REQUIRE(req->forgotten_topics.size() == 1);
  CHECK(req->forgotten_topics[0].name == "old");
  CHECK(req->forgotten_topics[0].partitions == std::vector<std::int32_t>{0, 1});
  // The encoder writes the same bytes back.
  CHECK(encoded([&](wire_writer& w) { encode_fetch_request(w, *req, 10); }) == body);
}

TEST_CASE("Fetch requests round-trip at every supported version", "[kafka-protocol]") {
  fetch_request in;
  in.max_wait_ms = 10;
  in.session_id = 1;
  in.session_epoch = 2;
  in.topics.push_back({"a", {{0, 3, 100, 5, 64}, {1, 3, 200, 5, 64}}});
  in.forgotten_topics.push_back({"b", {7}});
  for (std::int16_t v = fetch_min_version; v <= fetch_max_version; ++v) {
    INFO("version " << v);
    bytes body = encoded([&](wire_writer& w) { encode_fetch_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_fetch_request(r, v);
    REQUIRE(out.ok());
    REQUIRE(out->topics[0].partitions.size() == 2);
    CHECK(out->topics[0].partitions[1].fetch_offset == 200);
    CHECK(out->topics[0].partitions[1].log_start_offset == (v >= 5 ? 5 : -1));
    CHECK(out->topics[0].partitions[1].current_leader_epoch == (v >= 9 ? 3 : -1));
    CHECK(out->forgotten_topics.size() == (v >= 7 ? 1u : 0u));
  }
}

TEST_CASE("Fetch responses v4, v5 and v7 are encoded byte by byte", "[kafka-protocol]") {
  bytes records{1, 2, 3};
  fetch_response resp;
  resp.throttle_time_ms = 0;
  resp.session_id = 12;
  fetch_partition_response p;
  p.partition_index = 0;
  p.high_watermark = 10;
  p.last_stable_offset = 10;
  p.log_start_offset = 0;
  p.records = bytes_view{records};
  fetch_partition_response q;
  q.partition_index = 1;
  q.error_code = 1;
  q.aborted_transactions = std::vector<fetch_aborted_transaction>{{77, 3}};
  resp.topics.push_back({"t", {p, q}});

  bytes p_head = i32(0) + i16(0) + i64(10) + i64(10);
  bytes p_tail = i32(-1) + blob(records);
  bytes q_head = i32(1) + i16(1) + i64(-1) + i64(-1);
  bytes q_tail = i32(1) + i64(77) + i64(3) + i32(-1);
  bytes v4 = i32(0) + i32(1) + str("t") + i32(2) + p_head + p_tail + q_head + q_tail;
  bytes v5 = i32(0) + i32(1) + str("t") + i32(2) + p_head + i64(0) + p_tail + q_head + i64(-1) +
             q_tail;
  bytes v7 = i32(0) + i16(0) + i32(12) + i32(1) + str("t") + i32(2) + p_head + i64(0) + p_tail +
             q_head + i64(-1) + q_tail;
  CHECK(encoded([&](wire_writer& w) { encode_fetch_response(w, resp, 4); }) == v4);
  CHECK(encoded([&](wire_writer& w) { encode_fetch_response(w, resp, 5); }) == v5);
  CHECK(encoded([&](wire_writer& w) { encode_fetch_response(w, resp, 7); }) == v7);
  CHECK(encoded([&](wire_writer& w) { encode_fetch_response(w, resp, 10); }) == v7);
}

TEST_CASE("a truncated Fetch request is corrupted at every cut", "[kafka-protocol]") {
  every_prefix_fails(fetch_v4_body(), [](wire_reader& r) { return decode_fetch_request(r, 4); });
}

TEST_CASE("Fetch requests with bad counts are errors", "[kafka-protocol]") {
  bytes head = i32(-1) + i32(500) + i32(1) + i32(100) + i8(0);
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_fetch_request(r, version);
  };
  CHECK_FALSE(decode(head + i32(-5), 4).ok());
  CHECK_FALSE(decode(head + i32(-1), 4).ok());
  CHECK_FALSE(decode(head + i32(0x10000000), 4).ok());
  // One partition of v4 needs 16 bytes; 15 are there.
  CHECK_FALSE(decode(head + i32(1) + str("t") + i32(1) + bytes(15, 0), 4).ok());
  CHECK_FALSE(decode(head + i32(9) + i32(0) + i32(0) + i32(-3), 7).ok());
  CHECK_FALSE(decode(head + i32(0), 3).ok());
  CHECK_FALSE(decode(head + i32(0), 11).ok());
  CHECK(decode(head + i32(0), 4).ok());
}

// ---- ListOffsets ----

TEST_CASE("ListOffsets v1 and v2 requests are decoded from hand-built bytes",
          "[kafka-protocol]") {
  bytes topics = i32(1) + str("t") + i32(2) + i32(0) + i64(-1) + i32(1) + i64(-2);
  SECTION("v1") {
    bytes body = i32(-1) + topics;
    wire_reader r{body};
    auto req = decode_list_offsets_request(r, 1);
    REQUIRE(req.ok());
    CHECK(req->replica_id == -1);
    CHECK(req->isolation_level == 0);
    REQUIRE(req->topics.size() == 1);
    CHECK(req->topics[0].name == "t");
    REQUIRE(req->topics[0].partitions.size() == 2);
    CHECK(req->topics[0].partitions[0].timestamp == list_offsets_latest);
    CHECK(req->topics[0].partitions[1].partition_index == 1);
    CHECK(req->topics[0].partitions[1].timestamp == list_offsets_earliest);
  }
  SECTION("v2") {
    bytes body = i32(-1) + i8(1) + topics;
    wire_reader r{body};
    auto req = decode_list_offsets_request(r, 2);
    REQUIRE(req.ok());
    CHECK(req->isolation_level == 1);
    CHECK(req->topics[0].partitions.size() == 2);
  }
  SECTION("v4 adds the current leader epoch") {
    bytes body = i32(-1) + i8(0) + i32(1) + str("t") + i32(1) + i32(0) + i32(6) + i64(123);
    wire_reader r{body};
    auto req = decode_list_offsets_request(r, 4);
    REQUIRE(req.ok());
    CHECK(req->topics[0].partitions[0].current_leader_epoch == 6);
    CHECK(req->topics[0].partitions[0].timestamp == 123);
    CHECK(encoded([&](wire_writer& w) { encode_list_offsets_request(w, *req, 4); }) == body);
  }
}

TEST_CASE("ListOffsets responses v1, v2 and v4 are encoded byte by byte", "[kafka-protocol]") {
  list_offsets_response resp;
  resp.throttle_time_ms = 2;
  resp.topics.push_back({"t", {{0, 0, -1, 42, 3}}});
  bytes partition = i32(0) + i16(0) + i64(-1) + i64(42);
  bytes v1 = i32(1) + str("t") + i32(1) + partition;
  bytes v2 = i32(2) + v1;
  bytes v4 = i32(2) + i32(1) + str("t") + i32(1) + partition + i32(3);
  CHECK(encoded([&](wire_writer& w) { encode_list_offsets_response(w, resp, 1); }) == v1);
  CHECK(encoded([&](wire_writer& w) { encode_list_offsets_response(w, resp, 2); }) == v2);
  CHECK(encoded([&](wire_writer& w) { encode_list_offsets_response(w, resp, 4); }) == v4);
}

TEST_CASE("truncated or miscounted ListOffsets requests are errors", "[kafka-protocol]") {
  every_prefix_fails(i32(-1) + i8(0) + i32(1) + str("t") + i32(1) + i32(0) + i64(-1),
                     [](wire_reader& r) { return decode_list_offsets_request(r, 2); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_list_offsets_request(r, version);
  };
  CHECK_FALSE(decode(i32(-1) + i32(-7), 1).ok());
  CHECK_FALSE(decode(i32(-1) + i32(1) + str("t") + i32(100000) + i64(0), 1).ok());
  CHECK_FALSE(decode(i32(-1) + i32(0) + i8(0), 1).ok());
  CHECK_FALSE(decode(i32(-1) + i32(0), 0).ok());
  CHECK_FALSE(decode(i32(-1) + i8(0) + i32(0), 6).ok());
}
