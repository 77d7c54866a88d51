#include "io/kafka/offset_commit.hpp"
#include "io/kafka/offset_fetch.hpp"

#include "tests/io/kafka_body_bytes.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {
using opt_sv = std::optional<std::string_view>;
} // namespace

// ---- OffsetCommit ----

TEST_CASE("an OffsetCommit v7 request as librdkafka sends it is decoded", "[kafka-protocol]") {
  bytes body = str("grp") + i32(3) + str("m1") + null_str() + i32(1) + str("t") + i32(2) +
               i32(0) + i64(42) + i32(-1) + str("") + i32(1) + i64(7) + i32(5) + null_str();
  wire_reader r{body};
  auto req = decode_offset_commit_request(r, 7);
  REQUIRE(req.ok());
  CHECK(req->group_id == "grp");
  CHECK(req->generation_id == 3);
  CHECK(req->member_id == "m1");
  CHECK_FALSE(req->group_instance_id.has_value());
  CHECK(req->retention_time_ms == -1);
  REQUIRE(req->topics.size() == 1);
  CHECK(req->topics[0].name == "t");
  const auto& ps = req->topics[0].partitions;
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].partition_index == 0);
  CHECK(ps[0].committed_offset == 42);
  CHECK(ps[0].committed_leader_epoch == -1);
  CHECK(ps[0].committed_metadata == opt_sv{""});
  CHECK(ps[1].partition_index == 1);
  CHECK(ps[1].committed_offset == 7);
  CHECK(ps[1].committed_leader_epoch == 5);
  CHECK_FALSE(ps[1].committed_metadata.has_value());
}

TEST_CASE("an OffsetCommit v2 request from a consumer without a group carries a retention time",
          "[kafka-protocol]") {
  bytes body = str("grp") + i32(-1) + str("") + i64(86400000) + i32(1) + str("t") + i32(1) +
               i32(4) + i64(100) + str("meta");
  wire_reader r{body};
  auto req = decode_offset_commit_request(r, 2);
  REQUIRE(req.ok());
  CHECK(req->generation_id == -1);
  CHECK(req->member_id.empty());
  CHECK(req->retention_time_ms == 86400000);
  const auto& p = req->topics[0].partitions[0];
  CHECK(p.partition_index == 4);
  CHECK(p.committed_offset == 100);
  CHECK(p.committed_leader_epoch == -1);
  CHECK(p.committed_metadata == opt_sv{"meta"});
}

TEST_CASE("OffsetCommit requests round-trip at every supported version", "[kafka-protocol]") {
  for (std::int16_t v = offset_commit_min_version; v <= offset_commit_max_version; ++v) {
    INFO("version " << v);
    offset_commit_request in;
    in.group_id = "g";
    in.generation_id = 2;
    in.member_id = "m";
    if (v >= 7)
      in.group_instance_id = "i";
    if (v <= 4)
      in.retention_time_ms = 1000;
    in.topics = {{"a", {{0, 10, v >= 6 ? 3 : -1, opt_sv{"x"}}, {1, 11, -1, std::nullopt}}},
                 {"b", {}}};
    bytes body = encoded([&](wire_writer& w) { encode_offset_commit_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_offset_commit_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    CHECK(out->generation_id == 2);
    CHECK(out->member_id == "m");
    CHECK(out->group_instance_id == in.group_instance_id);
    CHECK(out->retention_time_ms == in.retention_time_ms);
    REQUIRE(out->topics.size() == 2);
    CHECK(out->topics[1].name == "b");
    CHECK(out->topics[1].partitions.empty());
    const auto& ps = out->topics[0].partitions;
    REQUIRE(ps.size() == 2);
    CHECK(ps[0].committed_offset == 10);
    CHECK(ps[0].committed_leader_epoch == in.topics[0].partitions[0].committed_leader_epoch);
    CHECK(ps[0].committed_metadata == opt_sv{"x"});
    CHECK(ps[1].partition_index == 1);
    CHECK_FALSE(ps[1].committed_metadata.has_value());
  }
}

TEST_CASE("OffsetCommit responses v2 and v3 are encoded byte by byte", "[kafka-protocol]") {
  offset_commit_response resp;
  resp.throttle_time_ms = 6;
  resp.topics = {{"t", {{0, 0}, {1, 22}}}};
  bytes topics = i32(1) + str("t") + i32(2) + i32(0) + i16(0) + i32(1) + i16(22);
  CHECK(encoded([&](wire_writer& w) { encode_offset_commit_response(w, resp, 2); }) == topics);
  for (std::int16_t v : {3, 5, 7})
    CHECK(encoded([&](wire_writer& w) { encode_offset_commit_response(w, resp, v); }) ==
          i32(6) + topics);
}

TEST_CASE("malformed OffsetCommit requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + i32(1) + str("m") + null_str() + i32(1) + str("t") + i32(1) +
                       i32(0) + i64(1) + i32(0) + str("x"),
                     [](wire_reader& r) { return decode_offset_commit_request(r, 7); });
  every_prefix_fails(str("g") + i32(1) + str("m") + i64(-1) + i32(1) + str("t") + i32(1) +
                       i32(0) + i64(1) + null_str(),
                     [](wire_reader& r) { return decode_offset_commit_request(r, 2); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_offset_commit_request(r, version);
  };
  bytes head = str("g") + i32(1) + str("m");
  CHECK(decode(head + i32(-2), 5).error().code() == errc::corrupted);
  CHECK(decode(head + i32(-1), 5).error().code() == errc::corrupted);
  CHECK(decode(head + i32(1000) + str("t") + i32(0), 5).error().code() == errc::corrupted);
  // 2 partitions need at least 2 * 14 bytes at v5; 20 are left.
  CHECK(decode(head + i32(1) + str("t") + i32(2) + i32(0) + i64(0) + null_str() + i32(0) +
                 i32(0),
               5)
          .error()
          .code() == errc::corrupted);
  CHECK(decode(head + i32(1) + str("t") + i32(1) + i32(0) + i64(0) + i16(-2), 5).error().code() ==
        errc::corrupted);
  CHECK(decode(head + i32(0) + i8(0), 5).error().code() == errc::corrupted);
  CHECK(decode(head + i64(-1) + i32(0), 1).error().code() == errc::unsupported);
  CHECK(decode(head + null_str() + i32(0), 8).error().code() == errc::unsupported);
}

// ---- OffsetFetch ----

TEST_CASE("OffsetFetch v1 and v5 requests are decoded from hand-built bytes",
          "[kafka-protocol]") {
  {
    bytes body = str("grp") + i32(1) + str("t") + i32(3) + i32(0) + i32(1) + i32(2);
    wire_reader r{body};
    auto req = decode_offset_fetch_request(r, 1);
    REQUIRE(req.ok());
    CHECK(req->group_id == "grp");
    REQUIRE(req->topics.has_value());
    REQUIRE(req->topics->size() == 1);
    CHECK((*req->topics)[0].name == "t");
    CHECK((*req->topics)[0].partition_indexes == std::vector<std::int32_t>{0, 1, 2});
  }
  {
    // A null topic list: every committed partition of the group.
    bytes body = str("grp") + i32(-1);
    wire_reader r{body};
    auto req = decode_offset_fetch_request(r, 5);
    REQUIRE(req.ok());
    CHECK_FALSE(req->topics.has_value());
  }
}

TEST_CASE("OffsetFetch requests round-trip at every supported version", "[kafka-protocol]") {
  for (std::int16_t v = offset_fetch_min_version; v <= offset_fetch_max_version; ++v) {
    INFO("version " << v);
    offset_fetch_request in;
    in.group_id = "g";
    in.topics.emplace();
    in.topics->push_back({"a", {4, 5}});
    in.topics->push_back({"b", {}});
    bytes body = encoded([&](wire_writer& w) { encode_offset_fetch_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_offset_fetch_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    REQUIRE(out->topics.has_value());
    REQUIRE(out->topics->size() == 2);
    CHECK((*out->topics)[0].partition_indexes == std::vector<std::int32_t>{4, 5});
    CHECK((*out->topics)[1].name == "b");
    if (v >= 2) {
      offset_fetch_request all{"g", std::nullopt};
      bytes b2 = encoded([&](wire_writer& w) { encode_offset_fetch_request(w, all, v); });
      wire_reader r2{b2};
      auto out2 = decode_offset_fetch_request(r2, v);
      REQUIRE(out2.ok());
      CHECK_FALSE(out2->topics.has_value());
    }
  }
}

TEST_CASE("OffsetFetch responses v1, v2, v3 and v5 are encoded byte by byte",
          "[kafka-protocol]") {
  offset_fetch_response resp;
  resp.throttle_time_ms = 8;
  resp.error_code = 14;
  resp.topics = {{"t", {{0, 42, 3, std::string("m"), 0}, {1, -1, -1, std::nullopt, 3}}}};
  auto topics = [](bool epoch) {
    return i32(1) + str("t") + i32(2) + i32(0) + i64(42) + (epoch ? i32(3) : bytes{}) +
           str("m") + i16(0) + i32(1) + i64(-1) + (epoch ? i32(-1) : bytes{}) + null_str() +
           i16(3);
  };
  CHECK(encoded([&](wire_writer& w) { encode_offset_fetch_response(w, resp, 1); }) ==
        topics(false));
  CHECK(encoded([&](wire_writer& w) { encode_offset_fetch_response(w, resp, 2); }) ==
        topics(false) + i16(14));
  CHECK(encoded([&](wire_writer& w) { encode_offset_fetch_response(w, resp, 3); }) ==
        i32(8) + topics(false) + i16(14));
  CHECK(encoded([&](wire_writer& w) { encode_offset_fetch_response(w, resp, 4); }) ==
        i32(8) + topics(false) + i16(14));
  CHECK(encoded([&](wire_writer& w) { encode_offset_fetch_response(w, resp, 5); }) ==
        i32(8) + topics(true) + i16(14));
}

TEST_CASE("malformed OffsetFetch requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + i32(1) + str("t") + i32(2) + i32(0) + i32(1),
                     [](wire_reader& r) { return decode_offset_fetch_request(r, 3); });
  every_prefix_fails(str("g") + i32(-1),
                     [](wire_reader& r) { return decode_offset_fetch_request(r, 2); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_offset_fetch_request(r, version);
  };
  // Null (all partitions) only from v2.
  CHECK(decode(str("g") + i32(-1), 1).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(-2), 2).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(1000) + str("t") + i32(0), 2).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(1) + str("t") + i32(3) + i32(0) + i32(1), 2).error().code() ==
        errc::corrupted);
  CHECK(decode(str("g") + i32(-1) + i8(0), 2).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(0), 0).error().code() == errc::unsupported);
  CHECK(decode(str("g") + i32(0), 6).error().code() == errc::unsupported);
}
