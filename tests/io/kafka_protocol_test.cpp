#include "io/kafka/api_versions.hpp"
#include "io/kafka/metadata.hpp"
#include "io/kafka/protocol.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;

namespace {

using bytes = std::vector<std::uint8_t>;

bool mentions(const status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

/// A size prefix followed by `payload`.
bytes framed(const bytes& payload) {
  bytes out;
  wire_writer{out}.write_int32(static_cast<std::int32_t>(payload.size()));
  return out + payload;
}

/// Frame of a request: header for `key`/`version`, then `body`.
template <class EncodeBody>
bytes request_frame(api_key key, std::int16_t version, std::int32_t correlation_id,
                    EncodeBody encode_body) {
  bytes payload;
  wire_writer w{payload};
  write_request_header(w, request_header{key, version, correlation_id, "c"},
                       request_header_version(key, version));
  encode_body(w);
  return framed(payload);
}

/// Splits `input` into exactly one frame and parses its header; the
/// request views `input`.
request parse_one(const bytes& input) {
  auto f = split_frame(input);
  REQUIRE(f.ok());
  REQUIRE(f->has_value());
  REQUIRE((*f)->frame_bytes == input.size());
  auto req = parse_request((*f)->payload);
  REQUIRE(req.ok());
  return *req;
}

} // namespace

// ---- framing ----

TEST_CASE("a frame is cut only once all its bytes are there", "[kafka-protocol]") {
  bytes input = framed(bytes{1, 2, 3});
  for (std::size_t n = 0; n < input.size(); ++n) {
    auto f = split_frame(bytes_view{input.data(), n});
    REQUIRE(f.ok());
    CHECK_FALSE(f->has_value());
  }
  bytes two = input + framed(bytes{9});
  auto f = split_frame(two);
  REQUIRE(f.ok());
  REQUIRE(f->has_value());
  CHECK((*f)->payload == bytes_view{bytes{1, 2, 3}});
  CHECK((*f)->frame_bytes == 7);
}

TEST_CASE("a frame larger than the maximum is refused from its size prefix alone",
          "[kafka-protocol]") {
  bytes prefix{0x00, 0x10, 0x00, 0x01}; // 1 MiB + 1, and no payload yet
  auto f = split_frame(prefix, 1 << 20);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code() == errc::too_large);
  CHECK(mentions(f.error(), "1048577"));
  CHECK(split_frame(framed(bytes(16)), 16).ok());
  CHECK(split_frame(framed(bytes(17)), 16).error().code() == errc::too_large);
}

TEST_CASE("a negative frame size is corrupted", "[kafka-protocol]") {
  auto f = split_frame(bytes{0xff, 0xff, 0xff, 0xfe, 0, 0});
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code() == errc::corrupted);
}

// ---- request header ----

TEST_CASE("a v1 request header is parsed from hand-built bytes", "[kafka-protocol]") {
  // Metadata v4 (non-flexible: header v1), correlation id 7, client_id "ab",
  // topics ["t"], allow_auto_topic_creation false.
  bytes payload = bytes{0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x02, 'a', 'b'} +
                  bytes{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00};
  bytes input = framed(payload); // the request views it
  request req = parse_one(input);
  CHECK(req.header.key == api_key::metadata);
  CHECK(req.header.api_version == 4);
  CHECK(req.header.correlation_id == 7);
  CHECK(req.header.client_id == std::optional<std::string_view>{"ab"});
  CHECK(req.body.position() == 12);
  auto md = decode_metadata_request(req.body, 4);
  REQUIRE(md.ok());
  REQUIRE(md->topics.has_value());
  CHECK(*md->topics == std::vector<std::string_view>{"t"});
  CHECK_FALSE(md->allow_auto_topic_creation);
}

TEST_CASE("a null client_id is allowed", "[kafka-protocol]") {
  bytes payload{0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
  bytes input = framed(payload); // the request views it
  request req = parse_one(input);
  CHECK_FALSE(req.header.client_id.has_value());
  CHECK(decode_api_versions_request(req.body, 0).ok());
}

TEST_CASE("a header cut short by the end of its frame is corrupted", "[kafka-protocol]") {
  bytes full{0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 'a', 'b'};
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto req = parse_request(bytes_view{full.data(), n});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code() == errc::corrupted);
    CHECK(mentions(req.error(), "frame is complete"));
  }
}

TEST_CASE("a client_id longer than its frame is corrupted", "[kafka-protocol]") {
  bytes payload{0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0xff, 'a'};
  auto req = parse_request(payload);
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().code() == errc::corrupted);
  CHECK(mentions(req.error(), "'client_id' at offset 8 declares 32767 bytes, 1 left"));
}

TEST_CASE("a client_id longer than the length limit is too large", "[kafka-protocol]") {
  bytes payload = bytes{0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07} +
                  text("rdkafka");
  auto req = parse_request(payload, 4);
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().code() == errc::too_large);
}

TEST_CASE("a negative api version is corrupted", "[kafka-protocol]") {
  bytes payload{0x00, 0x12, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
  auto req = parse_request(payload);
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().code() == errc::corrupted);
}

TEST_CASE("v2 header tagged fields are skipped, bounded and ordered", "[kafka-protocol]") {
  bytes head{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0xff, 0xff};
  SECTION("two known-size tags are skipped") {
    // 2 fields: tag 0 with 1 byte, tag 5 with 2 bytes; then the v3 body.
    bytes payload = head + bytes{0x02, 0x00, 0x01, 0xaa, 0x05, 0x02, 0xbb, 0xcc} +
                    bytes{0x02, 'x', 0x02, '1', 0x00};
    auto req = parse_request(payload);
    REQUIRE(req.ok());
    CHECK(req->header.correlation_id == 5);
    auto av = decode_api_versions_request(req->body, 3);
    REQUIRE(av.ok());
    CHECK(av->client_software_name == "x");
  }
  SECTION("a tag larger than the frame is corrupted") {
    auto req = parse_request(head + bytes{0x01, 0x00, 0x7f, 0x00});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code() == errc::corrupted);
  }
  SECTION("a tag count larger than the frame could hold is corrupted") {
    auto req = parse_request(head + bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code() == errc::corrupted);
  }
  SECTION("tags out of order are corrupted") {
    auto req = parse_request(head + bytes{0x02, 0x05, 0x00, 0x01, 0x00});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code() == errc::corrupted);
    CHECK(mentions(req.error(), "increasing order"));
  }
  SECTION("a tag count varint longer than 5 bytes is corrupted") {
    auto req = parse_request(head + bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code() == errc::corrupted);
  }
}

TEST_CASE("header versions follow the flexible versions of each api", "[kafka-protocol]") {
  CHECK(request_header_version(api_key::api_versions, 2) == 1);
  CHECK(request_header_version(api_key::api_versions, 3) == 2);
  CHECK(request_header_version(api_key::metadata, 8) == 1);
  CHECK(request_header_version(api_key::metadata, 9) == 2);
  CHECK(request_header_version(static_cast<api_key>(999), 50) == 1);
  // ApiVersions answers with response header v0 even at v3.
  CHECK(response_header_version(api_key::api_versions, 3) == 0);
  CHECK(response_header_version(api_key::metadata, 4) == 0);
  CHECK(response_header_version(api_key::metadata, 9) == 1);
}

TEST_CASE("a response frame has its size, correlation id and, when flexible, empty tags",
          "[kafka-protocol]") {
  bytes out;
  std::size_t start = begin_response(out, api_key::metadata, 9, 0x01020304);
  out.push_back(0xee);
  finish_frame(out, start);
  CHECK(out == bytes{0x00, 0x00, 0x00, 0x06, 0x01, 0x02, 0x03, 0x04, 0x00, 0xee});
  bytes v0;
  finish_frame(v0, begin_response(v0, api_key::metadata, 4, 1));
  CHECK(v0 == bytes{0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01});
}

// ---- ApiVersions ----

TEST_CASE("an ApiVersions v3 request as librdkafka sends it is decoded", "[kafka-protocol]") {
  // Built by hand from RequestHeader.json (v2) and ApiVersionsRequest.json
  // (v3): librdkafka 2.0.2 with the default client.id "rdkafka" opens every
  // connection with this request.
  bytes input = bytes{0x00, 0x00, 0x00, 0x24} +           // frame size 36
                bytes{0x00, 0x12, 0x00, 0x03} +           // api_key 18, api_version 3
                bytes{0x00, 0x00, 0x00, 0x01} +           // correlation_id 1
                bytes{0x00, 0x07} + text("rdkafka") +     // client_id: int16 length, even in v2
                bytes{0x00} +                             // header tagged fields: none
                bytes{0x0b} + text("librdkafka") +        // compact string: length + 1
                bytes{0x06} + text("2.0.2") + bytes{0x00}; // body tagged fields: none
  request req = parse_one(input);
  CHECK(req.header.key == api_key::api_versions);
  CHECK(req.header.api_version == 3);
  CHECK(req.header.correlation_id == 1);
  CHECK(req.header.client_id == std::optional<std::string_view>{"rdkafka"});
  auto body = decode_api_versions_request(req.body, 3);
  REQUIRE(body.ok());
  CHECK(body->client_software_name == "librdkafka");
  CHECK(body->client_software_version == "2.0.2");
}

TEST_CASE("ApiVersions requests round-trip at v0 to v3", "[kafka-protocol]") {
  for (std::int16_t v = 0; v <= api_versions_max_version; ++v) {
    api_versions_request sent{"rivulet", "0.1"};
    bytes input = request_frame(api_key::api_versions, v, 42,
                                [&](wire_writer& w) { encode_api_versions_request(w, sent, v); });
    request req = parse_one(input);
    CHECK(req.header.correlation_id == 42);
    auto got = decode_api_versions_request(req.body, v);
    REQUIRE(got.ok());
    CHECK(got->client_software_name == (v >= 3 ? "rivulet" : ""));
  }
}

TEST_CASE("ApiVersions responses have Kafka's layout at v0 to v3", "[kafka-protocol]") {
  api_versions_response resp;
  resp.api_keys = {{api_key::api_versions, 0, 3}, {api_key::metadata, 1, 7}};
  resp.throttle_time_ms = 0x11;
  auto encode = [&](std::int16_t v) {
    bytes out;
    wire_writer w{out};
    encode_api_versions_response(w, resp, v);
    return out;
  };
  bytes entries_v0{0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x00, 0x01, 0x00, 0x07};
  CHECK(encode(0) == bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x02} + entries_v0);
  CHECK(encode(1) == bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x02} + entries_v0 +
                       bytes{0x00, 0x00, 0x00, 0x11});
  CHECK(encode(2) == encode(1));
  // v3: compact array (count + 1), tagged fields after each entry and at the end.
  CHECK(encode(3) == bytes{0x00, 0x00, 0x03} +
                       bytes{0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00} +
                       bytes{0x00, 0x03, 0x00, 0x01, 0x00, 0x07, 0x00} +
                       bytes{0x00, 0x00, 0x00, 0x11, 0x00});
}

TEST_CASE("an ApiVersions request of an unsupported version gets a v0 UNSUPPORTED_VERSION answer",
          "[kafka-protocol]") {
  bytes payload{0x00, 0x12, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09, 0xff, 0xff, 0x00, 0x00};
  auto req = parse_request(payload);
  REQUIRE(req.ok());
  auto body = decode_api_versions_request(req->body, req->header.api_version);
  REQUIRE_FALSE(body.ok());
  CHECK(body.error().code() == errc::unsupported);

  bytes out;
  std::size_t start = begin_response(out, api_key::api_versions, 0, req->header.correlation_id);
  wire_writer w{out};
  encode_api_versions_response(w, unsupported_api_versions_response(), 0);
  finish_frame(out, start);
  CHECK(out == bytes{0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x09} + // size 16, correlation 9
                 bytes{0x00, 0x23, 0x00, 0x00, 0x00, 0x01} +          // error 35, one entry
                 bytes{0x00, 0x12, 0x00, 0x00, 0x00, 0x03});          // {18, 0, 3}
}

TEST_CASE("malformed ApiVersions v3 bodies are corrupted", "[kafka-protocol]") {
  auto decode = [](const bytes& body) {
    wire_reader r{body};
    return decode_api_versions_request(r, 3);
  };
  CHECK(decode(bytes{0x7f, 'x'}).error().code() == errc::corrupted); // 126 bytes declared
  CHECK(decode(bytes{0x00, 0x01, 0x00}).error().code() == errc::corrupted); // null name
  CHECK(decode(bytes{0x01, 0x01}).error().code() == errc::corrupted);       // no tags
  CHECK(decode(bytes{0x01, 0x01, 0x00, 0x99}).error().code() == errc::corrupted); // trailing
  CHECK(decode(bytes{0x01, 0x01, 0x00}).ok());
}

// ---- Metadata ----

TEST_CASE("Metadata requests round-trip at v1 to v7", "[kafka-protocol]") {
  for (std::int16_t v = metadata_min_version; v <= metadata_max_version; ++v) {
    for (bool all : {true, false}) {
      metadata_request sent;
      if (!all)
        sent.topics = std::vector<std::string_view>{"orders", "t"};
      sent.allow_auto_topic_creation = false;
      bytes input = request_frame(api_key::metadata, v, v,
                                  [&](wire_writer& w) { encode_metadata_request(w, sent, v); });
      request req = parse_one(input);
      auto got = decode_metadata_request(req.body, v);
      REQUIRE(got.ok());
      CHECK(got->topics == sent.topics);
      CHECK(got->allow_auto_topic_creation == (v < 4)); // absent before v4: default true
    }
  }
}

TEST_CASE("a Metadata v1 request with a null topic array asks for all topics",
          "[kafka-protocol]") {
  bytes body{0xff, 0xff, 0xff, 0xff};
  wire_reader r{body};
  auto got = decode_metadata_request(r, 1);
  REQUIRE(got.ok());
  CHECK_FALSE(got->topics.has_value());
}

TEST_CASE("malformed Metadata requests give clear errors without allocating",
          "[kafka-protocol]") {
  auto decode = [](const bytes& body, std::int16_t v) {
    wire_reader r{body};
    return decode_metadata_request(r, v);
  };
  SECTION("a negative count other than -1") {
    auto got = decode(bytes{0xff, 0xff, 0xff, 0xfe}, 1);
    CHECK(got.error().code() == errc::corrupted);
    CHECK(mentions(got.error(), "count -2"));
  }
  SECTION("a count far beyond the frame is refused before reserving") {
    auto got = decode(bytes{0x7f, 0xff, 0xff, 0xff, 0x00, 0x01, 't'}, 1);
    CHECK(got.error().code() == errc::corrupted);
    CHECK(mentions(got.error(), "2147483647 elements"));
  }
  SECTION("a topic name longer than the frame") {
    auto got = decode(bytes{0x00, 0x00, 0x00, 0x01, 0x00, 0x09, 't'}, 1);
    CHECK(got.error().code() == errc::corrupted);
    CHECK(mentions(got.error(), "topics[].name"));
  }
  SECTION("a v4 request without allow_auto_topic_creation") {
    CHECK(decode(bytes{0x00, 0x00, 0x00, 0x00}, 4).error().code() == errc::corrupted);
  }
  SECTION("trailing bytes") {
    CHECK(decode(bytes{0x00, 0x00, 0x00, 0x00, 0x01}, 1).error().code() == errc::corrupted);
  }
  SECTION("versions outside 0..7") {
    CHECK(decode(bytes{0x00, 0x00, 0x00, 0x00}, -1).error().code() == errc::unsupported);
    CHECK(decode(bytes{0x00, 0x00, 0x00, 0x00, 0x01}, 8).error().code() == errc::unsupported);
  }
  SECTION("v0: an empty topic list asks for all topics, as kafka-python's probe does") {
    auto all = decode(bytes{0x00, 0x00, 0x00, 0x00}, 0);
    REQUIRE(all.ok());
    CHECK_FALSE(all->topics.has_value());
    auto one = decode(bytes{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't'}, 0);
    REQUIRE(one.ok());
    REQUIRE(one->topics.has_value());
    CHECK(one->topics->size() == 1);
  }
}

TEST_CASE("Metadata responses have Kafka's layout at v1, v2, v3, v5 and v7", "[kafka-protocol]") {
  metadata_response resp;
  resp.throttle_time_ms = 0;
  resp.brokers = {{1, "h", 9092, std::nullopt}};
  resp.cluster_id = "c";
  resp.controller_id = 1;
  metadata_partition p;
  p.partition_index = 0;
  p.leader_id = 1;
  p.leader_epoch = 4;
  p.replica_nodes = {1};
  p.isr_nodes = {1};
  p.offline_replicas = {};
  resp.topics = {{0, "t", false, {p}}};
  auto encode = [&](std::int16_t v) {
    bytes out;
    wire_writer w{out};
    encode_metadata_response(w, resp, v);
    return out;
  };
  bytes brokers = bytes{0x00, 0x00, 0x00, 0x01} +                         // one broker
                  bytes{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'h'} +        // node 1, "h"
                  bytes{0x00, 0x00, 0x23, 0x84, 0xff, 0xff};              // port 9092, rack null
  bytes cluster = bytes{0x00, 0x01, 'c'};
  bytes controller{0x00, 0x00, 0x00, 0x01};
  bytes topic_head = bytes{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 't', 0x00} +
                     bytes{0x00, 0x00, 0x00, 0x01};                       // one partition
  bytes part_head{0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // error 0, index 0
                  0x00, 0x00, 0x00, 0x01};             // leader 1
  bytes epoch{0x00, 0x00, 0x00, 0x04};
  bytes nodes{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
              0x00, 0x01}; // replicas [1], isr [1]
  bytes offline{0x00, 0x00, 0x00, 0x00};
  bytes throttle{0x00, 0x00, 0x00, 0x00};

  CHECK(encode(1) == brokers + controller + topic_head + part_head + nodes);
  CHECK(encode(2) == brokers + cluster + controller + topic_head + part_head + nodes);
  CHECK(encode(3) == throttle + brokers + cluster + controller + topic_head + part_head + nodes);
  CHECK(encode(4) == encode(3));
  CHECK(encode(5) ==
        throttle + brokers + cluster + controller + topic_head + part_head + nodes + offline);
  CHECK(encode(6) == encode(5));
  CHECK(encode(7) == throttle + brokers + cluster + controller + topic_head + part_head + epoch +
                       nodes + offline);
}

// ---- wire helpers for flexible versions ----

TEST_CASE("compact strings, compact arrays and empty tags have Kafka's encodings",
          "[kafka-protocol]") {
  bytes out;
  wire_writer w{out};
  w.write_compact_nullable_string(std::nullopt);
  w.write_compact_nullable_string(std::string_view{"ab"});
  w.write_compact_array_length(std::nullopt);
  w.write_compact_array_length(200);
  w.write_array_length(std::nullopt);
  w.write_empty_tagged_fields();
  CHECK(out == bytes{0x00, 0x03, 'a', 'b', 0x00, 0xc9, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00});

  wire_reader r{out};
  CHECK_FALSE(r.read_compact_nullable_string("a")->has_value());
  CHECK(r.read_compact_nullable_string("b")->value() == "ab");
  CHECK_FALSE(r.read_compact_nullable_array_length("c", 0)->has_value());
  // 200 elements of one byte each cannot fit in the 6 bytes left.
  CHECK(r.read_compact_array_length("d", 1).error().code() == errc::truncated);
}
