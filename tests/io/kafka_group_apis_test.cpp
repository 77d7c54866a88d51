#include "io/kafka/heartbeat.hpp"
#include "io/kafka/join_group.hpp"
#include "io/kafka/leave_group.hpp"
#include "io/kafka/sync_group.hpp"

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

// A "consumer" protocol subscription as a client would send it: version 0,
// topics ["t"], null user data. Opaque to the codec.
bytes subscription() { return i16(0) + i32(1) + str("t") + i32(-1); }

} // namespace

// ---- JoinGroup ----

TEST_CASE("a JoinGroup v5 request as librdkafka sends it is decoded, metadata viewing the frame",
          "[kafka-protocol]") {
  bytes body = str("grp") + i32(45000) + i32(300000) + str("") + null_str() + str("consumer") +
               i32(2) + str("range") + blob(subscription()) + str("roundrobin") +
               blob(subscription());
  wire_reader r{body};
  auto req = decode_join_group_request(r, 5);
  REQUIRE(req.ok());
  CHECK(req->group_id == "grp");
  CHECK(req->session_timeout_ms == 45000);
  CHECK(req->rebalance_timeout_ms == 300000);
  CHECK(req->member_id.empty());
  CHECK_FALSE(req->group_instance_id.has_value());
  CHECK(req->protocol_type == "consumer");
  REQUIRE(req->protocols.size() == 2);
  CHECK(req->protocols[0].name == "range");
  CHECK(req->protocols[0].metadata == bytes_view{subscription()});
  CHECK(req->protocols[1].name == "roundrobin");
  // Zero copy: the last metadata is the tail of the body.
  CHECK(req->protocols[1].metadata.data() == body.data() + body.size() - subscription().size());
}

TEST_CASE("a JoinGroup v0 request takes its session timeout as the rebalance timeout",
          "[kafka-protocol]") {
  bytes body = str("g") + i32(6000) + str("m") + str("consumer") + i32(0);
  wire_reader r{body};
  auto req = decode_join_group_request(r, 0);
  REQUIRE(req.ok());
  CHECK(req->session_timeout_ms == 6000);
  CHECK(req->rebalance_timeout_ms == 6000);
  CHECK(req->member_id == "m");
  CHECK(req->protocols.empty());
}

TEST_CASE("JoinGroup requests round-trip at every supported version", "[kafka-protocol]") {
  bytes meta = subscription();
  for (std::int16_t v = join_group_min_version; v <= join_group_max_version; ++v) {
    INFO("version " << v);
    join_group_request in;
    in.group_id = "g";
    in.session_timeout_ms = 10000;
    in.rebalance_timeout_ms = v >= 1 ? 20000 : 10000;
    in.member_id = "m-1";
    if (v >= 5)
      in.group_instance_id = "i-1";
    in.protocol_type = "consumer";
    in.protocols = {{"range", bytes_view{meta}}, {"x", bytes_view{}}};
    bytes body = encoded([&](wire_writer& w) { encode_join_group_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_join_group_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    CHECK(out->session_timeout_ms == 10000);
    CHECK(out->rebalance_timeout_ms == in.rebalance_timeout_ms);
    CHECK(out->member_id == "m-1");
    CHECK(out->group_instance_id == in.group_instance_id);
    CHECK(out->protocol_type == "consumer");
    REQUIRE(out->protocols.size() == 2);
    CHECK(out->protocols[0].name == "range");
    CHECK(out->protocols[0].metadata == bytes_view{meta});
    CHECK(out->protocols[1].metadata.empty());
  }
}

TEST_CASE("JoinGroup responses v1, v2 and v5 are encoded byte by byte", "[kafka-protocol]") {
  join_group_response resp;
  resp.throttle_time_ms = 9;
  resp.generation_id = 3;
  resp.protocol_name = "range";
  resp.leader = "m1";
  resp.member_id = "m1";
  resp.members = {{"m1", std::nullopt, "ab"}, {"m2", std::string("i2"), ""}};
  bytes head = i16(0) + i32(3) + str("range") + str("m1") + str("m1") + i32(2);
  bytes v1 = head + str("m1") + blob("ab") + str("m2") + blob("");
  bytes v5 = i32(9) + head + str("m1") + null_str() + blob("ab") + str("m2") + str("i2") +
             blob("");
  CHECK(encoded([&](wire_writer& w) { encode_join_group_response(w, resp, 0); }) == v1);
  CHECK(encoded([&](wire_writer& w) { encode_join_group_response(w, resp, 1); }) == v1);
  CHECK(encoded([&](wire_writer& w) { encode_join_group_response(w, resp, 2); }) == i32(9) + v1);
  CHECK(encoded([&](wire_writer& w) { encode_join_group_response(w, resp, 4); }) == i32(9) + v1);
  CHECK(encoded([&](wire_writer& w) { encode_join_group_response(w, resp, 5); }) == v5);
}

TEST_CASE("malformed JoinGroup requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + i32(1) + i32(2) + str("m") + str("i") + str("consumer") + i32(1) +
                       str("range") + blob("xy"),
                     [](wire_reader& r) { return decode_join_group_request(r, 5); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_join_group_request(r, version);
  };
  bytes head = str("g") + i32(1) + i32(2) + str("") + str("consumer");
  CHECK(decode(head + i32(-2), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(-1), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(0x7fffffff) + str("r") + blob(""), 1).error().code() ==
        errc::corrupted);
  CHECK(decode(head + i32(1) + str("r") + i32(-1), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(1) + str("r") + i32(-2), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(0) + i8(0), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(0), 6).error().code() == errc::unsupported);
}

// ---- SyncGroup ----

TEST_CASE("a SyncGroup v3 request from the leader is decoded", "[kafka-protocol]") {
  bytes assignment = i16(0) + i32(1) + str("t") + i32(1) + i32(0) + i32(-1);
  bytes body = str("grp") + i32(4) + str("m1") + null_str() + i32(2) + str("m1") +
               blob(assignment) + str("m2") + blob("");
  wire_reader r{body};
  auto req = decode_sync_group_request(r, 3);
  REQUIRE(req.ok());
  CHECK(req->group_id == "grp");
  CHECK(req->generation_id == 4);
  CHECK(req->member_id == "m1");
  CHECK_FALSE(req->group_instance_id.has_value());
  REQUIRE(req->assignments.size() == 2);
  CHECK(req->assignments[0].member_id == "m1");
  CHECK(req->assignments[0].assignment == bytes_view{assignment});
  CHECK(req->assignments[1].member_id == "m2");
  CHECK(req->assignments[1].assignment.empty());
}

TEST_CASE("SyncGroup requests round-trip at every supported version", "[kafka-protocol]") {
  bytes a = {1, 2, 3};
  for (std::int16_t v = sync_group_min_version; v <= sync_group_max_version; ++v) {
    INFO("version " << v);
    sync_group_request in{"g", 7, "m", v >= 3 ? opt_sv{"i"} : std::nullopt,
                          {{"m", bytes_view{a}}}};
    bytes body = encoded([&](wire_writer& w) { encode_sync_group_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_sync_group_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    CHECK(out->generation_id == 7);
    CHECK(out->member_id == "m");
    CHECK(out->group_instance_id == in.group_instance_id);
    REQUIRE(out->assignments.size() == 1);
    CHECK(out->assignments[0].assignment == bytes_view{a});
  }
}

TEST_CASE("SyncGroup responses v0 and v1 are encoded byte by byte", "[kafka-protocol]") {
  sync_group_response resp{5, 27, "xyz"};
  CHECK(encoded([&](wire_writer& w) { encode_sync_group_response(w, resp, 0); }) ==
        i16(27) + blob("xyz"));
  for (std::int16_t v : {1, 2, 3})
    CHECK(encoded([&](wire_writer& w) { encode_sync_group_response(w, resp, v); }) ==
          i32(5) + i16(27) + blob("xyz"));
}

TEST_CASE("malformed SyncGroup requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + i32(1) + str("m") + str("i") + i32(1) + str("m") + blob("a"),
                     [](wire_reader& r) { return decode_sync_group_request(r, 3); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_sync_group_request(r, version);
  };
  bytes head = str("g") + i32(1) + str("m");
  CHECK(decode(head + i32(-3), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(1000) + str("m") + blob(""), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(1) + str("m") + i32(-1), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(0) + i8(1), 1).error().code() == errc::corrupted);
  CHECK(decode(head + i32(0), 4).error().code() == errc::unsupported);
}

// ---- Heartbeat ----

TEST_CASE("Heartbeat requests are decoded and round-trip at every supported version",
          "[kafka-protocol]") {
  {
    bytes body = str("grp") + i32(2) + str("m1") + str("inst");
    wire_reader r{body};
    auto req = decode_heartbeat_request(r, 3);
    REQUIRE(req.ok());
    CHECK(req->group_id == "grp");
    CHECK(req->generation_id == 2);
    CHECK(req->member_id == "m1");
    CHECK(req->group_instance_id == opt_sv{"inst"});
  }
  for (std::int16_t v = heartbeat_min_version; v <= heartbeat_max_version; ++v) {
    INFO("version " << v);
    heartbeat_request in{"g", 9, "m", v >= 3 ? opt_sv{"i"} : std::nullopt};
    bytes body = encoded([&](wire_writer& w) { encode_heartbeat_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_heartbeat_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    CHECK(out->generation_id == 9);
    CHECK(out->member_id == "m");
    CHECK(out->group_instance_id == in.group_instance_id);
  }
}

TEST_CASE("Heartbeat responses are encoded byte by byte", "[kafka-protocol]") {
  heartbeat_response resp{3, 27};
  CHECK(encoded([&](wire_writer& w) { encode_heartbeat_response(w, resp, 0); }) == i16(27));
  CHECK(encoded([&](wire_writer& w) { encode_heartbeat_response(w, resp, 1); }) ==
        i32(3) + i16(27));
  CHECK(encoded([&](wire_writer& w) { encode_heartbeat_response(w, resp, 3); }) ==
        i32(3) + i16(27));
}

TEST_CASE("malformed Heartbeat requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + i32(1) + str("m") + null_str(),
                     [](wire_reader& r) { return decode_heartbeat_request(r, 3); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_heartbeat_request(r, version);
  };
  // v1 has no group_instance_id: the extra field is trailing bytes.
  CHECK(decode(str("g") + i32(1) + str("m") + null_str(), 1).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(1) + i16(-1), 1).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(1) + str("m"), 4).error().code() == errc::unsupported);
}

// ---- LeaveGroup ----

TEST_CASE("LeaveGroup v1 and v3 requests are decoded from hand-built bytes",
          "[kafka-protocol]") {
  {
    bytes body = str("grp") + str("m1");
    wire_reader r{body};
    auto req = decode_leave_group_request(r, 1);
    REQUIRE(req.ok());
    CHECK(req->group_id == "grp");
    CHECK(req->member_id == "m1");
    CHECK(req->members.empty());
  }
  {
    bytes body = str("grp") + i32(2) + str("m1") + null_str() + str("") + str("inst-2");
    wire_reader r{body};
    auto req = decode_leave_group_request(r, 3);
    REQUIRE(req.ok());
    REQUIRE(req->members.size() == 2);
    CHECK(req->members[0].member_id == "m1");
    CHECK_FALSE(req->members[0].group_instance_id.has_value());
    CHECK(req->members[1].member_id.empty());
    CHECK(req->members[1].group_instance_id == opt_sv{"inst-2"});
  }
}

TEST_CASE("LeaveGroup requests round-trip at every supported version", "[kafka-protocol]") {
  for (std::int16_t v = leave_group_min_version; v <= leave_group_max_version; ++v) {
    INFO("version " << v);
    leave_group_request in;
    in.group_id = "g";
    if (v <= 2)
      in.member_id = "m";
    else
      in.members = {{"m", std::nullopt}, {"n", opt_sv{"i"}}};
    bytes body = encoded([&](wire_writer& w) { encode_leave_group_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_leave_group_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->group_id == "g");
    CHECK(out->member_id == in.member_id);
    REQUIRE(out->members.size() == in.members.size());
    for (std::size_t i = 0; i < in.members.size(); ++i) {
      CHECK(out->members[i].member_id == in.members[i].member_id);
      CHECK(out->members[i].group_instance_id == in.members[i].group_instance_id);
    }
  }
}

TEST_CASE("LeaveGroup responses v0, v1 and v3 are encoded byte by byte", "[kafka-protocol]") {
  leave_group_response resp;
  resp.throttle_time_ms = 1;
  resp.error_code = 0;
  resp.members = {{"m", std::nullopt, 25}, {"n", std::string("i"), 0}};
  CHECK(encoded([&](wire_writer& w) { encode_leave_group_response(w, resp, 0); }) == i16(0));
  CHECK(encoded([&](wire_writer& w) { encode_leave_group_response(w, resp, 2); }) ==
        i32(1) + i16(0));
  CHECK(encoded([&](wire_writer& w) { encode_leave_group_response(w, resp, 3); }) ==
        i32(1) + i16(0) + i32(2) + str("m") + null_str() + i16(25) + str("n") + str("i") +
          i16(0));
}

TEST_CASE("malformed LeaveGroup requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("g") + str("m"),
                     [](wire_reader& r) { return decode_leave_group_request(r, 0); });
  every_prefix_fails(str("g") + i32(1) + str("m") + str("i"),
                     [](wire_reader& r) { return decode_leave_group_request(r, 3); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_leave_group_request(r, version);
  };
  CHECK(decode(str("g") + i32(-2), 3).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(-1), 3).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(3) + str("m") + null_str(), 3).error().code() == errc::corrupted);
  CHECK(decode(str("g") + str("m") + i8(0), 2).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i32(0), 4).error().code() == errc::unsupported);
}
