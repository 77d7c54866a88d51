#include "io/kafka/find_coordinator.hpp"
#include "io/kafka/init_producer_id.hpp"

#include "tests/io/kafka_body_bytes.hpp"

#include <catch2/catch.hpp>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

// ---- FindCoordinator ----

TEST_CASE("FindCoordinator v0 and v1 requests are decoded from hand-built bytes",
          "[kafka-protocol]") {
  {
    bytes body = str("g1");
    wire_reader r{body};
    auto req = decode_find_coordinator_request(r, 0);
    REQUIRE(req.ok());
    CHECK(req->key == "g1");
    CHECK(req->key_type == coordinator_key_group);
  }
  {
    // As librdkafka asks for a transaction coordinator.
    bytes body = str("tx") + i8(1);
    wire_reader r{body};
    auto req = decode_find_coordinator_request(r, 1);
    REQUIRE(req.ok());
    CHECK(req->key == "tx");
    CHECK(req->key_type == coordinator_key_transaction);
  }
}

TEST_CASE("FindCoordinator requests round-trip at every supported version",
          "[kafka-protocol]") {
  for (std::int16_t v = find_coordinator_min_version; v <= find_coordinator_max_version; ++v) {
    INFO("version " << v);
    find_coordinator_request in{"group-a", v >= 1 ? coordinator_key_transaction
                                                   : coordinator_key_group};
    bytes body = encoded([&](wire_writer& w) { encode_find_coordinator_request(w, in, v); });
    wire_reader r{body};
    auto out = decode_find_coordinator_request(r, v);
    REQUIRE(out.ok());
    CHECK(out->key == "group-a");
    CHECK(out->key_type == in.key_type);
  }
}

TEST_CASE("FindCoordinator responses v0 and v1 are encoded byte by byte", "[kafka-protocol]") {
  find_coordinator_response resp;
  resp.throttle_time_ms = 4;
  resp.error_code = 15;
  resp.error_message = "not yet";
  resp.node_id = 2;
  resp.host = "h";
  resp.port = 9092;
  bytes tail = i32(2) + str("h") + i32(9092);
  CHECK(encoded([&](wire_writer& w) { encode_find_coordinator_response(w, resp, 0); }) ==
        i16(15) + tail);
  bytes v1 = i32(4) + i16(15) + str("not yet") + tail;
  CHECK(encoded([&](wire_writer& w) { encode_find_coordinator_response(w, resp, 1); }) == v1);
  CHECK(encoded([&](wire_writer& w) { encode_find_coordinator_response(w, resp, 2); }) == v1);
  resp.error_message.reset();
  CHECK(encoded([&](wire_writer& w) { encode_find_coordinator_response(w, resp, 1); }) ==
        i32(4) + i16(15) + null_str() + tail);
}

TEST_CASE("malformed FindCoordinator requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("grp") + i8(0),
                     [](wire_reader& r) { return decode_find_coordinator_request(r, 1); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_find_coordinator_request(r, version);
  };
  CHECK(decode(null_str(), 0).error().code() == errc::corrupted);
  CHECK(decode(str("g") + i8(0), 0).error().code() == errc::corrupted); // v0 has no key_type
  CHECK(decode(str("g") + i8(0), 3).error().code() == errc::unsupported);
  CHECK(decode(str("g"), -1).error().code() == errc::unsupported);
}

// ---- InitProducerId ----

TEST_CASE("InitProducerId requests are decoded with and without a transactional id",
          "[kafka-protocol]") {
  {
    // librdkafka's idempotent producer: null id, timeout as configured.
    bytes body = null_str() + i32(60000);
    wire_reader r{body};
    auto req = decode_init_producer_id_request(r, 1);
    REQUIRE(req.ok());
    CHECK_FALSE(req->transactional_id.has_value());
    CHECK(req->transaction_timeout_ms == 60000);
  }
  {
    bytes body = str("tx-1") + i32(900);
    wire_reader r{body};
    auto req = decode_init_producer_id_request(r, 0);
    REQUIRE(req.ok());
    CHECK(req->transactional_id == std::optional<std::string_view>{"tx-1"});
    CHECK(req->transaction_timeout_ms == 900);
  }
}

TEST_CASE("InitProducerId requests round-trip at every supported version",
          "[kafka-protocol]") {
  for (std::int16_t v = init_producer_id_min_version; v <= init_producer_id_max_version; ++v) {
    for (auto id : {std::optional<std::string_view>{}, std::optional<std::string_view>{"t"}}) {
      init_producer_id_request in{id, 123};
      bytes body = encoded([&](wire_writer& w) { encode_init_producer_id_request(w, in, v); });
      wire_reader r{body};
      auto out = decode_init_producer_id_request(r, v);
      REQUIRE(out.ok());
      CHECK(out->transactional_id == id);
      CHECK(out->transaction_timeout_ms == 123);
    }
  }
}

TEST_CASE("InitProducerId responses are encoded byte by byte", "[kafka-protocol]") {
  init_producer_id_response resp{7, 0, 0x0102030405060708, 3};
  bytes want = i32(7) + i16(0) + i64(0x0102030405060708) + i16(3);
  CHECK(encoded([&](wire_writer& w) { encode_init_producer_id_response(w, resp, 0); }) == want);
  CHECK(encoded([&](wire_writer& w) { encode_init_producer_id_response(w, resp, 1); }) == want);
}

TEST_CASE("malformed InitProducerId requests are errors", "[kafka-protocol]") {
  every_prefix_fails(str("tx") + i32(1),
                     [](wire_reader& r) { return decode_init_producer_id_request(r, 0); });
  auto decode = [](const bytes& body, std::int16_t version) {
    wire_reader r{body};
    return decode_init_producer_id_request(r, version);
  };
  CHECK(decode(i16(-2) + i32(1), 0).error().code() == errc::corrupted);
  CHECK(decode(null_str() + i32(1) + i8(0), 0).error().code() == errc::corrupted);
  CHECK(decode(null_str() + i32(1), 2).error().code() == errc::unsupported);
}
