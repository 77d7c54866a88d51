// Compressed batches between librdkafka 2.0.2 and rivulet, through the mock
// cluster: what librdkafka compresses with each codec decodes here to the
// exact records, and what rivulet compresses librdkafka reads back with
// CRC checks on. Raw Produce/Fetch via tests/io/raw_kafka_client.hpp, so
// the batch bytes are exactly what each side wrote.

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

const std::pair<const char*, compression> codecs[] = {{"gzip", compression::gzip},
                                                      {"snappy", compression::snappy},
                                                      {"lz4", compression::lz4},
                                                      {"zstd", compression::zstd}};

// Compressible (so librdkafka keeps the compression) and distinct per record.
std::vector<message> messages(int n) {
  std::vector<message> msgs;
  for (int i = 0; i < n; ++i) {
    message m;
    if (i % 4 != 0)
      m.key = "key-" + std::to_string(i);
    m.value = "value " + std::to_string(i) + ": " + std::string(static_cast<std::size_t>(100 + i % 50), 'v');
    if (i % 3 == 0)
      m.headers = {{"trace", "t" + std::to_string(i)}};
    m.timestamp_ms = 1'700'000'000'000 + i * 5;
    msgs.push_back(std::move(m));
  }
  return msgs;
}

std::string text(bytes_view b) { return std::string(b.as_string_view()); }

} // namespace

TEST_CASE("batches librdkafka compressed with each codec decode to the exact records",
          "[io][kafka][rdkafka][compression]") {
  mock_cluster cluster;
  const std::vector<message> sent = messages(200);
  for (auto [name, codec] : codecs) {
    INFO(name);
    cluster.create_topic(name);
    produce_with_librdkafka(cluster.bootstraps(), name, sent, name);
    raw_connection conn{cluster.bootstraps()};
    const std::vector<bytes> batches = fetch_all(conn, name);
    REQUIRE_FALSE(batches.empty());
    std::size_t i = 0, compressed = 0;
    for (const bytes& raw : batches) {
      const record_batch_view batch = must(record_batch_view::parse(raw));
      if (batch.header().compression_type() != compression::none) {
        CHECK(batch.header().compression_type() == codec);
        ++compressed;
      }
      auto range = batch.records();
      INFO((range.ok() ? std::string("ok") : range.error().to_string()));
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
    CHECK(compressed > 0);
    CHECK(i == sent.size());
  }
}

TEST_CASE("librdkafka consumes batches rivulet compressed with each codec, with CRC checks on",
          "[io][kafka][rdkafka][compression]") {
  mock_cluster cluster;
  const std::vector<message> sent = messages(120);
  for (auto [name, codec] : codecs) {
    INFO(name);
    cluster.create_topic(name);
    raw_connection conn{cluster.bootstraps()};
    record_batch_builder b;
    b.set_compression(codec);
    for (const message& m : sent) {
      std::vector<record_header> hs;
      for (const auto& [k, v] : m.headers)
        hs.push_back({k, bytes_view::of(v)});
      REQUIRE(b.append(m.timestamp_ms,
                       m.key ? std::optional<bytes_view>{bytes_view::of(*m.key)} : std::nullopt,
                       bytes_view::of(m.value), hs)
                .ok());
    }
    const bytes batch = must(b.build(0));
    CHECK(batch.size() < b.size_bytes() / 3);
    CHECK(produce_raw(conn, name, batch) == 0);

    const consumed c = consume_with_librdkafka(cluster.bootstraps(), name, sent.size());
    INFO((c.errors.empty() ? std::string("no errors") : c.errors.front()));
    CHECK(c.errors.empty());
    REQUIRE(c.messages.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
      INFO("message " << i);
      CHECK(c.messages[i].offset == static_cast<std::int64_t>(i));
      CHECK(c.messages[i].key == sent[i].key);
      CHECK(c.messages[i].value == sent[i].value);
      CHECK(c.messages[i].timestamp_ms == sent[i].timestamp_ms);
      CHECK(c.messages[i].headers == sent[i].headers);
    }
  }
}
