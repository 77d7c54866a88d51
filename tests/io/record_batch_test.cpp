#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"

#include "tests/io/batch_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {

// The batch of record_batch_expected.py, encoded by hand from the spec:
// base_offset 5, two records ("a" -> "bc" at 1000; null -> "d" at 1003 with
// header h=x), no producer, CreateTime, uncompressed.
const bytes hand_built = {
  0, 0, 0, 0, 0, 0, 0, 5,                   // base_offset 5
  0, 0, 0, 0x47,                            // batch_length 71 = 83 - 12
  0xff, 0xff, 0xff, 0xff,                   // partition_leader_epoch -1
  0x02,                                     // magic 2
  0x02, 0x82, 0xb0, 0x97,                   // crc 0x0282B097 over bytes 21..83
  0x00, 0x00,                               // attributes: none
  0, 0, 0, 1,                               // last_offset_delta 1
  0, 0, 0, 0, 0, 0, 0x03, 0xe8,             // base_timestamp 1000
  0, 0, 0, 0, 0, 0, 0x03, 0xeb,             // max_timestamp 1003
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producer_id -1
  0xff, 0xff,                               // producer_epoch -1
  0xff, 0xff, 0xff, 0xff,                   // base_sequence -1
  0, 0, 0, 2,                               // records_count 2
  // record 0: length 9 (zig-zag 0x12), attributes 0, ts delta 0, offset
  // delta 0, key length 1 'a', value length 2 "bc", 0 headers
  0x12, 0x00, 0x00, 0x00, 0x02, 'a', 0x04, 'b', 'c', 0x00,
  // record 1: length 11, attributes 0, ts delta 3 (0x06), offset delta 1
  // (0x02), key null (-1 = 0x01), value "d", 1 header: key "h", value "x"
  0x16, 0x00, 0x06, 0x02, 0x01, 0x02, 'd', 0x02, 0x02, 'h', 0x02, 'x'};

record_batch_builder hand_built_builder() {
  record_batch_builder b;
  REQUIRE(b.append(1000, bytes_view::of("a"), bytes_view::of("bc")).ok());
  REQUIRE(b.append(1003, std::nullopt, bytes_view::of("d"), {{"h", bytes_view::of("x")}}).ok());
  return b;
}

std::vector<record_view> collect(const record_batch_view& view) {
  auto range = view.records();
  REQUIRE(range.ok());
  return {range->begin(), range->end()};
}

} // namespace

TEST_CASE("the builder writes exactly the bytes of a batch encoded by hand from the spec",
          "[io][kafka]") {
  auto built = hand_built_builder().build(5);
  REQUIRE(built.ok());
  CHECK(*built == hand_built);
  CHECK(hand_built_builder().size_bytes() == hand_built.size());

  auto view = record_batch_view::parse(hand_built);
  REQUIRE(view.ok());
  const batch_header& h = view->header();
  CHECK(h.crc == 0x0282B097u);
  CHECK(h.base_offset == 5);
  CHECK(h.batch_length == 71);
  CHECK(h.last_offset() == 6);
  CHECK(h.base_timestamp == 1000);
  CHECK(h.max_timestamp == 1003);
  CHECK(h.records_count == 2);
  CHECK(h.compression_type() == compression::none);
  auto recs = collect(*view);
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].offset == 6);
  CHECK(recs[1].timestamp == 1003);
  CHECK(recs[1].size_bytes == 12);
}

TEST_CASE("a built batch parses back with its keys, null keys, values and headers",
          "[io][kafka]") {
  record_batch_builder b;
  b.set_producer(42, 3, 100).set_partition_leader_epoch(7);
  REQUIRE(b.append(50, bytes_view::of("k1"), bytes_view::of("v1")).ok());
  REQUIRE(b.append(40, std::nullopt, bytes_view::of("no key")).ok());
  REQUIRE(b.append(60, bytes_view::of(""), std::nullopt,
                   {{"trace", bytes_view::of("abc")}, {"empty", bytes_view::of("")},
                    {"null", std::nullopt}})
            .ok());
  auto built = b.build(1000);
  REQUIRE(built.ok());
  auto view = record_batch_view::parse(*built);
  REQUIRE(view.ok());
  const batch_header& h = view->header();
  CHECK(h.base_offset == 1000);
  CHECK(h.partition_leader_epoch == 7);
  CHECK(h.producer_id == 42);
  CHECK(h.producer_epoch == 3);
  CHECK(h.base_sequence == 100);
  CHECK(h.base_timestamp == 50);
  CHECK(h.max_timestamp == 60);
  CHECK(h.last_offset_delta == 2);
  CHECK_FALSE(h.is_transactional());
  CHECK_FALSE(h.is_control());

  auto recs = collect(*view);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].offset == 1000);
  CHECK(text(*recs[0].key) == "k1");
  CHECK(text(*recs[0].value) == "v1");
  CHECK(recs[0].headers.empty());
  CHECK(recs[1].offset == 1001);
  CHECK(recs[1].timestamp == 40); // earlier than the base: a negative delta
  CHECK(recs[1].timestamp_delta == -10);
  CHECK_FALSE(recs[1].key.has_value());
  CHECK(text(*recs[1].value) == "no key");
  CHECK(recs[2].key.has_value());
  CHECK(recs[2].key->empty()); // empty is not null
  CHECK_FALSE(recs[2].value.has_value());
  std::vector<record_header_view> hs(recs[2].headers.begin(), recs[2].headers.end());
  REQUIRE(hs.size() == 3);
  CHECK(hs[0].key == "trace");
  CHECK(text(*hs[0].value) == "abc");
  CHECK(hs[1].key == "empty");
  CHECK(hs[1].value->empty());
  CHECK(hs[2].key == "null");
  CHECK_FALSE(hs[2].value.has_value());
}

TEST_CASE("a batch of many records of random sizes round trips", "[io][kafka]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> len(0, 300), nheaders(0, 3), coin(0, 9);
  struct expected {
    std::optional<std::string> key, value;
    std::vector<std::pair<std::string, std::string>> headers;
    std::int64_t ts;
  };
  std::vector<expected> want;
  record_batch_builder b;
  for (int i = 0; i < 5000; ++i) {
    expected e;
    if (coin(rng) != 0)
      e.key = std::string(static_cast<std::size_t>(len(rng)), static_cast<char>('a' + i % 26));
    if (coin(rng) != 0)
      e.value = std::string(static_cast<std::size_t>(len(rng)), static_cast<char>(i % 256));
    for (int k = nheaders(rng); k > 0; --k)
      e.headers.emplace_back("h" + std::to_string(k), std::string(static_cast<std::size_t>(k), 'x'));
    e.ts = 1'700'000'000'000 + i * 3 - (i % 7) * 100;
    std::vector<record_header> hs;
    for (const auto& [k, v] : e.headers)
      hs.push_back({k, bytes_view::of(v)});
    auto view_of = [](const std::optional<std::string>& s) {
      return s ? std::optional<bytes_view>{bytes_view::of(*s)} : std::nullopt;
    };
    REQUIRE(b.append(e.ts, view_of(e.key), view_of(e.value), hs).ok());
    want.push_back(std::move(e));
  }
  auto built = b.build(123456789);
  REQUIRE(built.ok());
  CHECK(built->size() == b.size_bytes());
  auto view = record_batch_view::parse(*built);
  REQUIRE(view.ok());
  CHECK(view->header().records_count == 5000);
  auto range = view->records();
  REQUIRE(range.ok());
  std::size_t i = 0;
  for (const record_view& r : *range) {
    REQUIRE(i < want.size());
    const expected& e = want[i];
    CHECK(r.offset == 123456789 + static_cast<std::int64_t>(i));
    CHECK(r.timestamp == e.ts);
    CHECK(r.key.has_value() == e.key.has_value());
    if (e.key)
      CHECK(text(*r.key) == *e.key);
    CHECK(r.value.has_value() == e.value.has_value());
    if (e.value)
      CHECK(text(*r.value) == *e.value);
    std::size_t j = 0;
    for (const auto& hv : r.headers) {
      REQUIRE(j < e.headers.size());
      CHECK(hv.key == e.headers[j].first);
      CHECK(text(*hv.value) == e.headers[j].second);
      ++j;
    }
    CHECK(j == e.headers.size());
    ++i;
  }
  CHECK(i == want.size());
}

TEST_CASE("changing any byte the CRC covers makes parse fail naming the crc", "[io][kafka]") {
  auto built = hand_built_builder().build(5);
  REQUIRE(built.ok());
  for (std::size_t at = batch_layout::attributes; at < built->size(); ++at) {
    bytes damaged = *built;
    damaged[at] ^= 0x01;
    auto view = record_batch_view::parse(damaged);
    INFO("byte " << at);
    REQUIRE_FALSE(view.ok());
    CHECK(view.error().code() == errc::corrupted);
    CHECK(mentions(view.error(), "'crc' at offset 17"));
  }
  // The stored CRC itself.
  bytes damaged = *built;
  damaged[batch_layout::crc + 3] ^= 0x80;
  CHECK(mentions(record_batch_view::parse(damaged).error(), "'crc'"));
}

TEST_CASE("rewriting base offset and leader epoch in place keeps the CRC valid", "[io][kafka]") {
  auto built = hand_built_builder().build(0);
  REQUIRE(built.ok());
  const std::uint32_t crc_before = record_batch_view::parse(*built)->header().crc;
  bytes copy = *built;
  REQUIRE(set_base_offset(copy, 9'000'000'000).ok());
  REQUIRE(set_partition_leader_epoch(copy, 12).ok());
  auto view = record_batch_view::parse(copy);
  REQUIRE(view.ok());
  CHECK(view->header().crc == crc_before);
  CHECK(view->header().base_offset == 9'000'000'000);
  CHECK(view->header().partition_leader_epoch == 12);
  auto recs = collect(*view);
  CHECK(recs[0].offset == 9'000'000'000);
  CHECK(recs[1].offset == 9'000'000'001);
  // Only bytes 0..7 and 12..15 changed.
  for (std::size_t i = 0; i < copy.size(); ++i)
    if (i >= 16 || (i >= 8 && i < 12))
      CHECK(copy[i] == (*built)[i]);
  // The same batch with base_offset 5 is byte for byte the hand-built one.
  auto other = hand_built_builder().build(0);
  REQUIRE(set_base_offset(*other, 5).ok());
  CHECK(*other == hand_built);
}

TEST_CASE("set_base_offset refuses a buffer that is not a v2 batch header", "[io][kafka]") {
  bytes small(60, 0);
  small[batch_layout::magic] = 2;
  CHECK(set_base_offset(small, 1).code() == errc::invalid_argument);
  bytes old(61, 0);
  old[batch_layout::magic] = 1;
  CHECK(set_partition_leader_epoch(old, 1).code() == errc::invalid_argument);
  CHECK(old[batch_layout::magic] == 1);
  for (std::size_t i = 0; i < old.size(); ++i)
    if (i != batch_layout::magic)
      CHECK(old[i] == 0); // nothing was written
}

TEST_CASE("producer fields and transactional and control flags reach the header",
          "[io][kafka]") {
  record_batch_builder b;
  b.set_producer(7, 1, 0).set_transactional(true).set_control(true);
  // A commit marker: key version 0 type 1, value version 0 coordinator epoch 4.
  const bytes key{0, 0, 0, 1}, value{0, 0, 0, 0, 0, 4};
  REQUIRE(b.append(5, bytes_view{key}, bytes_view{value}).ok());
  auto built = b.build(77);
  REQUIRE(built.ok());
  CHECK((*built)[batch_layout::attributes + 1] == 0x30);
  auto view = record_batch_view::parse(*built);
  REQUIRE(view.ok());
  CHECK(view->header().is_transactional());
  CHECK(view->header().is_control());
  CHECK(view->header().producer_id == 7);
  b.set_control(false);
  auto plain = b.build(77);
  CHECK(record_batch_view::parse(*plain)->header().attributes == batch_attr::transactional);
}

TEST_CASE("an empty builder refuses to build and clear keeps the producer", "[io][kafka]") {
  record_batch_builder b;
  CHECK(b.build(0).error().code() == errc::invalid_argument);
  b.set_producer(1, 2, 3);
  REQUIRE(b.append(1, std::nullopt, bytes_view::of("x")).ok());
  b.clear();
  CHECK(b.empty());
  CHECK(b.size_bytes() == batch_layout::header_size);
  REQUIRE(b.append(9, std::nullopt, bytes_view::of("y")).ok());
  auto built = b.build(0);
  REQUIRE(built.ok());
  auto view = record_batch_view::parse(*built);
  REQUIRE(view.ok());
  CHECK(view->header().producer_id == 1);
  CHECK(view->header().base_timestamp == 9);
  CHECK(view->header().records_count == 1);
}

TEST_CASE("a compressed batch parses its header; bad compressed records fail only on iteration",
          "[io][kafka]") {
  const std::pair<std::int16_t, const char*> codecs[] = {
    {1, "gzip"}, {2, "snappy"}, {3, "lz4"}, {4, "zstd"}};
  for (auto [id, name] : codecs) {
    // Opaque bytes stand in for the compressed block: parse does not look
    // at it, records() decompresses it (tests/io/compression_test.cpp).
    bytes batch = raw_batch(bytes{0xde, 0xad, 0xbe, 0xef}, 10, 9, id);
    auto view = record_batch_view::parse(batch);
    REQUIRE(view.ok());
    CHECK(view->header().compression_type() == static_cast<compression>(id));
    CHECK(view->header().records_count == 10);
    CHECK(view->records_bytes().size() == 4);
    auto recs = view->records();
    REQUIRE_FALSE(recs.ok());
    CHECK(recs.error().code() == errc::corrupted);
    CHECK(mentions(recs.error(), std::string(name) + ": the records of the batch with base offset 0"));
  }
  bytes unknown = raw_batch(bytes{}, 0, 0, 5);
  auto view = record_batch_view::parse(unknown);
  CHECK(view.error().code() == errc::corrupted);
  CHECK(mentions(view.error(), "unknown compression id 5"));
}

TEST_CASE("an empty batch left by compaction parses with no records", "[io][kafka]") {
  bytes batch = raw_batch(bytes{}, 0, 4);
  auto view = record_batch_view::parse(batch);
  REQUIRE(view.ok());
  CHECK(view->header().last_offset() == 4);
  CHECK(collect(*view).empty());
}

TEST_CASE("records of a log-append-time batch take the batch's max timestamp", "[io][kafka]") {
  bytes records = concat({framed(record_body(0, 0, "a", "1")), framed(record_body(5, 1, "b", "2"))});
  bytes batch = raw_batch(records, 2, 1, batch_attr::log_append_time);
  auto view = record_batch_view::parse(batch);
  REQUIRE(view.ok());
  CHECK(view->header().log_append_time());
  for (const auto& r : collect(*view))
    CHECK(r.timestamp == 2000);
}

TEST_CASE("a batch with gaps in its offset deltas, as compaction leaves, parses", "[io][kafka]") {
  bytes records = concat({framed(record_body(0, 0, "a", "1")), framed(record_body(0, 7, "b", "2"))});
  bytes batch = raw_batch(records, 2, 9, 0, 100);
  auto view = record_batch_view::parse(batch);
  REQUIRE(view.ok());
  auto recs = collect(*view);
  CHECK(recs[1].offset == 107);
  CHECK(view->header().last_offset() == 109);
}
