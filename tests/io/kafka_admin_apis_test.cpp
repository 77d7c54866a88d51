#include "io/kafka/create_topics.hpp"
#include "io/kafka/delete_topics.hpp"

#include "tests/io/kafka_body_bytes.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {
using opt_sv = std::optional<std::string_view>;

/// A CreateTopics v0 body: one topic with automatic placement and two
/// configs, one topic placed by hand without configs.
bytes create_topics_v0_body() {
  return i32(2) +
         // "auto": 3 partitions, factor 2, no assignments, two configs
         str("auto") + i32(3) + i16(2) + i32(0) + i32(2) + str("cleanup.policy") +
         str("compact") + str("retention.ms") + null_str() +
         // "placed": -1/-1, partitions 0 -> [1, 2] and 1 -> [3], no configs
         str("placed") + i32(-1) + i16(-1) + i32(2) + i32(0) + i32(2) + i32(1) + i32(2) +
         i32(1) + i32(1) + i32(3) + i32(0) +
         // timeout_ms
         i32(30000);
}

result<create_topics_request> decode_create(const bytes& body, std::int16_t version) {
  wire_reader r{body};
  return decode_create_topics_request(r, version);
}

result<delete_topics_request> decode_delete(const bytes& body, std::int16_t version) {
  wire_reader r{body};
  return decode_delete_topics_request(r, version);
}

} // namespace

// ---- CreateTopics ----

TEST_CASE("a CreateTopics v0 request is decoded from hand-built bytes", "[kafka-protocol]") {
  bytes body = create_topics_v0_body(); // the request views it
  auto req = decode_create(body, 0);
  REQUIRE(req.ok());
  REQUIRE(req->topics.size() == 2);
  const auto& a = req->topics[0];
  CHECK(a.name == "auto");
  CHECK(a.num_partitions == 3);
  CHECK(a.replication_factor == 2);
  CHECK(a.assignments.empty());
  REQUIRE(a.configs.size() == 2);
  CHECK(a.configs[0].name == "cleanup.policy");
  CHECK(a.configs[0].value == opt_sv{"compact"});
  CHECK(a.configs[1].name == "retention.ms");
  CHECK_FALSE(a.configs[1].value.has_value());
  const auto& p = req->topics[1];
  CHECK(p.name == "placed");
  CHECK(p.num_partitions == -1);
  CHECK(p.replication_factor == -1);
  REQUIRE(p.assignments.size() == 2);
  CHECK(p.assignments[0].partition_index == 0);
  CHECK(p.assignments[0].broker_ids == std::vector<std::int32_t>{1, 2});
  CHECK(p.assignments[1].partition_index == 1);
  CHECK(p.assignments[1].broker_ids == std::vector<std::int32_t>{3});
  CHECK(p.configs.empty());
  CHECK(req->timeout_ms == 30000);
  CHECK_FALSE(req->validate_only);
}

TEST_CASE("a CreateTopics v4 request carries validate_only after the timeout",
          "[kafka-protocol]") {
  bytes body = i32(1) + str("t") + i32(-1) + i16(-1) + i32(0) + i32(1) + str("min.insync") +
               str("2") + i32(5000) + i8(1);
  auto req = decode_create(body, 4);
  REQUIRE(req.ok());
  REQUIRE(req->topics.size() == 1);
  CHECK(req->topics[0].name == "t");
  CHECK(req->topics[0].num_partitions == -1);
  CHECK(req->topics[0].replication_factor == -1);
  REQUIRE(req->topics[0].configs.size() == 1);
  CHECK(req->topics[0].configs[0].value == opt_sv{"2"});
  CHECK(req->timeout_ms == 5000);
  CHECK(req->validate_only);
  // Any non-zero byte is true, as in Kafka.
  body.back() = 0x7f;
  auto req2 = decode_create(body, 4);
  REQUIRE(req2.ok());
  CHECK(req2->validate_only);
}

TEST_CASE("CreateTopics requests round-trip at every supported version", "[kafka-protocol]") {
  for (std::int16_t v = create_topics_min_version; v <= create_topics_max_version; ++v) {
    INFO("version " << v);
    create_topics_request in;
    in.topics = {{"a", 4, 3, {}, {{"k", opt_sv{"v"}}, {"n", std::nullopt}}},
                 {"b", -1, -1, {{0, {7, 8}}, {1, {}}}, {}}};
    in.timeout_ms = 1234;
    in.validate_only = v >= 1;
    bytes body = encoded([&](wire_writer& w) { encode_create_topics_request(w, in, v); });
    auto out = decode_create(body, v);
    REQUIRE(out.ok());
    REQUIRE(out->topics.size() == 2);
    CHECK(out->topics[0].name == "a");
    CHECK(out->topics[0].num_partitions == 4);
    CHECK(out->topics[0].replication_factor == 3);
    CHECK(out->topics[0].assignments.empty());
    REQUIRE(out->topics[0].configs.size() == 2);
    CHECK(out->topics[0].configs[0].name == "k");
    CHECK(out->topics[0].configs[0].value == opt_sv{"v"});
    CHECK_FALSE(out->topics[0].configs[1].value.has_value());
    CHECK(out->topics[1].name == "b");
    REQUIRE(out->topics[1].assignments.size() == 2);
    CHECK(out->topics[1].assignments[0].broker_ids == std::vector<std::int32_t>{7, 8});
    CHECK(out->topics[1].assignments[1].partition_index == 1);
    CHECK(out->topics[1].assignments[1].broker_ids.empty());
    CHECK(out->timeout_ms == 1234);
    CHECK(out->validate_only == in.validate_only);
  }
}

TEST_CASE("CreateTopics responses v0, v1 and v2+ are encoded byte by byte", "[kafka-protocol]") {
  create_topics_response resp;
  resp.throttle_time_ms = 9;
  resp.topics = {{"ok", kafka_error::none, std::nullopt},
                 {"dup", kafka_error::topic_already_exists, std::string("exists")}};
  CHECK(encoded([&](wire_writer& w) { encode_create_topics_response(w, resp, 0); }) ==
        i32(2) + str("ok") + i16(0) + str("dup") + i16(36));
  bytes v1 = i32(2) + str("ok") + i16(0) + null_str() + str("dup") + i16(36) + str("exists");
  CHECK(encoded([&](wire_writer& w) { encode_create_topics_response(w, resp, 1); }) == v1);
  for (std::int16_t v : {2, 3, 4})
    CHECK(encoded([&](wire_writer& w) { encode_create_topics_response(w, resp, v); }) ==
          i32(9) + v1);
}

TEST_CASE("malformed CreateTopics requests are errors", "[kafka-protocol]") {
  every_prefix_fails(create_topics_v0_body(),
                     [](wire_reader& r) { return decode_create_topics_request(r, 0); });
  every_prefix_fails(create_topics_v0_body() + i8(0),
                     [](wire_reader& r) { return decode_create_topics_request(r, 4); });
  auto code = [](const bytes& body, std::int16_t v) {
    return decode_create(body, v).error().code();
  };
  // Negative and null topic counts.
  CHECK(code(i32(-2) + i32(0), 0) == errc::corrupted);
  CHECK(code(i32(-1) + i32(0), 0) == errc::corrupted);
  // More topics than the bytes left can hold (16 bytes each at least).
  CHECK(code(i32(1000) + str("t") + i32(1) + i16(1) + i32(0) + i32(0) + i32(0), 0) ==
        errc::corrupted);
  // More assignments, broker ids or configs than fit.
  bytes head = i32(1) + str("t") + i32(1) + i16(1);
  CHECK(code(head + i32(100) + i32(0) + i32(0) + i32(0), 0) == errc::corrupted);
  CHECK(code(head + i32(1) + i32(0) + i32(50) + i32(1) + i32(0) + i32(0), 0) ==
        errc::corrupted);
  CHECK(code(head + i32(0) + i32(100) + str("k") + null_str() + i32(0), 0) == errc::corrupted);
  CHECK(code(head + i32(0) + i32(-1) + i32(0), 0) == errc::corrupted);
  // A null topic name or config name.
  CHECK(code(i32(1) + null_str() + i32(1) + i16(1) + i32(0) + i32(0) + i32(0), 0) ==
        errc::corrupted);
  CHECK(code(head + i32(0) + i32(1) + null_str() + null_str() + i32(0), 0) == errc::corrupted);
  // Trailing bytes: v0 has no validate_only, so its byte is one too many.
  CHECK(code(i32(0) + i32(0) + i8(0), 0) == errc::corrupted);
  CHECK(code(i32(0) + i32(0) + i8(0) + i8(0), 1) == errc::corrupted);
  // Versions outside 0..4 (5+ is flexible).
  CHECK(code(i32(0) + i32(0) + i8(0), -1) == errc::unsupported);
  CHECK(code(i32(0) + i32(0) + i8(0), 5) == errc::unsupported);
}

// ---- DeleteTopics ----

TEST_CASE("DeleteTopics v0 and v3 requests are decoded from hand-built bytes",
          "[kafka-protocol]") {
  bytes body = i32(3) + str("a") + str("bb") + str("") + i32(15000);
  for (std::int16_t v : {0, 3}) {
    INFO("version " << v);
    auto req = decode_delete(body, v);
    REQUIRE(req.ok());
    CHECK(req->topic_names == std::vector<std::string_view>{"a", "bb", ""});
    CHECK(req->timeout_ms == 15000);
  }
  bytes empty_body = i32(0) + i32(1);
  auto empty = decode_delete(empty_body, 3);
  REQUIRE(empty.ok());
  CHECK(empty->topic_names.empty());
  CHECK(empty->timeout_ms == 1);
}

TEST_CASE("DeleteTopics requests round-trip at every supported version", "[kafka-protocol]") {
  for (std::int16_t v = delete_topics_min_version; v <= delete_topics_max_version; ++v) {
    INFO("version " << v);
    delete_topics_request in{{"x", "topic-y"}, 777};
    bytes body = encoded([&](wire_writer& w) { encode_delete_topics_request(w, in, v); });
    auto out = decode_delete(body, v);
    REQUIRE(out.ok());
    CHECK(out->topic_names == in.topic_names);
    CHECK(out->timeout_ms == 777);
  }
}

TEST_CASE("DeleteTopics responses v0 and v1+ are encoded byte by byte", "[kafka-protocol]") {
  delete_topics_response resp;
  resp.throttle_time_ms = 4;
  resp.responses = {{"a", kafka_error::none}, {"gone", kafka_error::unknown_topic_or_partition}};
  bytes results = i32(2) + str("a") + i16(0) + str("gone") + i16(3);
  CHECK(encoded([&](wire_writer& w) { encode_delete_topics_response(w, resp, 0); }) == results);
  for (std::int16_t v : {1, 2, 3})
    CHECK(encoded([&](wire_writer& w) { encode_delete_topics_response(w, resp, v); }) ==
          i32(4) + results);
}

TEST_CASE("malformed DeleteTopics requests are errors", "[kafka-protocol]") {
  bytes body = i32(2) + str("a") + str("bc") + i32(100);
  for (std::int16_t v : {0, 3})
    every_prefix_fails(body, [v](wire_reader& r) { return decode_delete_topics_request(r, v); });
  auto code = [](const bytes& b, std::int16_t v) { return decode_delete(b, v).error().code(); };
  CHECK(code(i32(-2) + i32(0), 0) == errc::corrupted);
  CHECK(code(i32(-1) + i32(0), 0) == errc::corrupted);
  // 1000 names need at least 2000 bytes.
  CHECK(code(i32(1000) + str("a") + i32(0), 0) == errc::corrupted);
  CHECK(code(i32(1) + null_str() + i32(0), 0) == errc::corrupted);
  CHECK(code(body + i8(0), 3) == errc::corrupted);
  CHECK(code(body, -1) == errc::unsupported);
  CHECK(code(body, 4) == errc::unsupported);
}
