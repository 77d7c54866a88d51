// Interoperability with librdkafka 2.0.2 through its in-process mock cluster:
// batches librdkafka writes must parse here, and batches rivulet builds must
// be read back by librdkafka with CRC checks on. The Produce v3 and Fetch v4
// requests are spoken by tests/io/raw_kafka_client.hpp over the mock's real
// TCP port, so the raw batch bytes are visible to both sides.

#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"

#include "tests/io/raw_kafka_client.hpp"
#include "tests/io/rdkafka_peer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {

std::vector<message> sample_messages(int n) {
  std::vector<message> msgs;
  for (int i = 0; i < n; ++i) {
    message m;
    if (i % 4 != 0)
      m.key = "key-" + std::to_string(i);
    m.value = std::string(static_cast<std::size_t>(i * 7 % 50), static_cast<char>('A' + i % 26));
    if (i % 3 == 0)
      m.headers = {{"trace", "t" + std::to_string(i)}, {"n", ""}};
    m.timestamp_ms = 1'700'000'000'000 + i * 5;
    msgs.push_back(std::move(m));
  }
  return msgs;
}

std::string text(bytes_view b) { return std::string(b.as_string_view()); }

} // namespace

TEST_CASE("batches librdkafka produced parse with rivulet and hold the same records",
          "[io][kafka][rdkafka]") {
  mock_cluster cluster;
  cluster.create_topic("plain");
  const std::vector<message> sent = sample_messages(40);
  produce_with_librdkafka(cluster.bootstraps(), "plain", sent, "none");

  raw_connection conn{cluster.bootstraps()};
  const std::vector<bytes> batches = fetch_all(conn, "plain");
  REQUIRE_FALSE(batches.empty());

  std::size_t i = 0;
  for (const bytes& raw : batches) {
    const record_batch_view batch = must(record_batch_view::parse(raw));
    CHECK(batch.header().compression_type() == compression::none);
    auto range = batch.records();
    REQUIRE(range.ok());
    for (const record_view& r : *range) {
      REQUIRE(i < sent.size());
      const message& m = sent[i];
      CHECK(r.offset == static_cast<std::int64_t>(i));
      CHECK(r.timestamp == m.timestamp_ms);
      REQUIRE(r.key.has_value() == m.key.has_value());
      if (m.key)
        CHECK(text(*r.key) == *m.key);
      CHECK(text(*r.value) == m.value);
      std::vector<std::pair<std::string, std::string>> hs;
      for (const auto& h : r.headers)
        hs.emplace_back(std::string(h.key), text(*h.value));
      CHECK(hs == m.headers);
      ++i;
    }
  }
  CHECK(i == sent.size());
}

// Compressed batches, both ways: tests/io/rdkafka_compression_test.cpp.

TEST_CASE("librdkafka consumes batches rivulet built, with CRC checks on",
          "[io][kafka][rdkafka]") {
  mock_cluster cluster;
  cluster.create_topic("built");
  const std::vector<message> sent = sample_messages(25);
  raw_connection conn{cluster.bootstraps()};
  // Two batches, each built with base offset 0: the broker assigns offsets
  // by rewriting base_offset, which the CRC does not cover.
  for (std::size_t part = 0; part < 2; ++part) {
    record_batch_builder b;
    for (std::size_t i = part * 10; i < (part == 0 ? 10 : sent.size()); ++i) {
      const message& m = sent[i];
      std::vector<record_header> hs;
      for (const auto& [k, v] : m.headers)
        hs.push_back({k, bytes_view::of(v)});
      REQUIRE(b.append(m.timestamp_ms,
                       m.key ? std::optional<bytes_view>{bytes_view::of(*m.key)} : std::nullopt,
                       bytes_view::of(m.value), hs)
                .ok());
    }
    const bytes batch = must(b.build(0));
    CHECK(produce_raw(conn, "built", batch) == (part == 0 ? 0 : 10));
  }

  const consumed c = consume_with_librdkafka(cluster.bootstraps(), "built", sent.size());
  INFO((c.errors.empty() ? std::string("no errors") : c.errors.front()));
  CHECK(c.errors.empty());
  const std::vector<message>& got = c.messages;
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    INFO("message " << i);
    CHECK(got[i].offset == static_cast<std::int64_t>(i));
    CHECK(got[i].key == sent[i].key);
    CHECK(got[i].value == sent[i].value);
    CHECK(got[i].timestamp_ms == sent[i].timestamp_ms);
    CHECK(got[i].headers == sent[i].headers);
  }
}

TEST_CASE("librdkafka refuses a rivulet batch whose CRC no longer matches",
          "[io][kafka][rdkafka]") {
  // The negative control for the test above: check.crcs is really on.
  mock_cluster cluster;
  cluster.create_topic("damaged");
  record_batch_builder b;
  REQUIRE(b.append(1, bytes_view::of("k"), bytes_view::of("value")).ok());
  bytes batch = must(b.build(0));
  batch.back() ^= 0x01; // inside the CRC range; the mock broker does not check
  raw_connection conn{cluster.bootstraps()};
  produce_raw(conn, "damaged", batch);
  const consumed c = consume_with_librdkafka(cluster.bootstraps(), "damaged", 1);
  CHECK(c.messages.empty());
  REQUIRE_FALSE(c.errors.empty());
  CHECK(c.errors.front().find("CRC") != std::string::npos);
}
