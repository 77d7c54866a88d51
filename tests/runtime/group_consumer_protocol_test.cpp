#include <catch2/catch.hpp>

#include "runtime/group/assignors.hpp"
#include "runtime/group/consumer_protocol.hpp"

using namespace rivulet::group;

// Byte vectors below are written out by hand from Kafka's
// ConsumerProtocolSubscription/Assignment schemas (big-endian, int16
// version prefix, int32 array counts, int16 string lengths, int32 byte
// lengths with -1 for null).

TEST_CASE("a version 0 subscription encodes to Kafka's bytes and back", "[group]") {
  consumer_subscription s;
  s.version = 0;
  s.topics = {"t1", "x"};
  bytes expected = {0x00, 0x00,                    // version 0
                    0x00, 0x00, 0x00, 0x02,        // 2 topics
                    0x00, 0x02, 't', '1',          // "t1"
                    0x00, 0x01, 'x',               // "x"
                    0xff, 0xff, 0xff, 0xff};       // user data null
  CHECK(encode_subscription(s) == expected);
  auto d = decode_subscription(expected);
  REQUIRE(d.ok());
  CHECK(*d.value == s);
}

TEST_CASE("a version 1 subscription carries user data and owned partitions", "[group]") {
  bytes wire = {0x00, 0x01,                         // version 1
                0x00, 0x00, 0x00, 0x01,             // 1 topic
                0x00, 0x02, 't', '1',
                0x00, 0x00, 0x00, 0x01, 0xab,       // user data {0xab}
                0x00, 0x00, 0x00, 0x01,             // 1 owned topic
                0x00, 0x02, 't', '1',
                0x00, 0x00, 0x00, 0x02,             // 2 partitions
                0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x02};
  auto d = decode_subscription(wire);
  REQUIRE(d.ok());
  CHECK(d.value->version == 1);
  CHECK(d.value->topics == std::vector<std::string>{"t1"});
  CHECK(d.value->user_data == bytes{0xab});
  REQUIRE(d.value->owned_partitions.size() == 1);
  CHECK(d.value->owned_partitions[0] == topic_partitions{"t1", {0, 2}});
  CHECK(d.value->generation == -1);
  CHECK(encode_subscription(*d.value) == wire);

  auto m = to_member_subscription("m1", *d.value);
  CHECK(m.owned == std::vector<topic_partition>{{"t1", 0}, {"t1", 2}});
}

TEST_CASE("a newer subscription version is read as far as known fields go", "[group]") {
  // Version 3 = v2 (generation 5) + a nullable rack id string "r".
  bytes wire = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00,  // no topics
                0xff, 0xff, 0xff, 0xff,              // user data null
                0x00, 0x00, 0x00, 0x00,              // no owned partitions
                0x00, 0x00, 0x00, 0x05,              // generation 5
                0x00, 0x01, 'r'};                    // rack id (ignored)
  auto d = decode_subscription(wire);
  REQUIRE(d.ok());
  CHECK(d.value->generation == 5);
  CHECK(d.value->topics.empty());
}

TEST_CASE("a truncated or impossible subscription is refused with the field named", "[group]") {
  bytes cut = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 't'};
  auto d = decode_subscription(cut);
  CHECK_FALSE(d.ok());
  CHECK(d.error.find("topic") != std::string::npos);
  bytes huge_count = {0x00, 0x00, 0x7f, 0xff, 0xff, 0xff};
  CHECK_FALSE(decode_subscription(huge_count).ok());
  bytes trailing = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00};
  CHECK_FALSE(decode_subscription(trailing).ok());
}

TEST_CASE("an assignment encodes to Kafka's bytes and back", "[group]") {
  consumer_assignment a;
  a.version = 0;
  a.partitions = {{"t", {0, 1}}};
  bytes expected = {0x00, 0x00,                    // version 0
                    0x00, 0x00, 0x00, 0x01,        // 1 topic
                    0x00, 0x01, 't',
                    0x00, 0x00, 0x00, 0x02,        // 2 partitions
                    0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x01,
                    0xff, 0xff, 0xff, 0xff};       // user data null
  CHECK(encode_assignment(a) == expected);
  auto d = decode_assignment(expected);
  REQUIRE(d.ok());
  CHECK(*d.value == a);
  // What a member gets when the leader assigned it nothing.
  auto none = decode_assignment(bytes{});
  REQUIRE(none.ok());
  CHECK(none.value->partitions.empty());
}

TEST_CASE("encoded assignor output decodes to each member's partitions", "[group]") {
  assignment a = {{"m1", {{"a", 0}, {"a", 2}, {"b", 1}}}, {"m2", {}}};
  auto enc = encode_assignments(a);
  auto d1 = decode_assignment(enc.at("m1"));
  REQUIRE(d1.ok());
  CHECK(d1.value->version == 1);
  CHECK(flatten(d1.value->partitions) == a.at("m1"));
  auto d2 = decode_assignment(enc.at("m2"));
  REQUIRE(d2.ok());
  CHECK(d2.value->partitions.empty());
}
