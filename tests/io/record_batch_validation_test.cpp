#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"

#include "tests/io/batch_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {

bytes sample_batch(std::int64_t base_offset, int records = 3) {
  record_batch_builder b;
  for (int i = 0; i < records; ++i) {
    std::string v = "value-" + std::to_string(i);
    REQUIRE(b.append(100 + i, bytes_view::of("key"), bytes_view::of(v),
                     {{"h", bytes_view::of("x")}})
              .ok());
  }
  auto built = b.build(base_offset);
  REQUIRE(built.ok());
  return *built;
}

// Parses a batch holding `records` and returns the error (ok if it parsed).
status parse_records(const bytes& records, std::int32_t count, std::int32_t last_delta,
                     parse_options options = {}) {
  bytes batch = raw_batch(records, count, last_delta);
  auto view = record_batch_view::parse(batch, options);
  return view.ok() ? status{} : view.error();
}

// Iterates every record and header of a parsed batch, touching every byte.
std::size_t touch_everything(const record_batch_view& view) {
  std::size_t sum = 0;
  auto range = view.records();
  if (!range)
    return 0;
  for (const auto& r : *range) {
    sum += r.key ? r.key->size() : 0;
    sum += r.value ? r.value->size() : 0;
    for (const auto& h : r.headers)
      sum += h.key.size() + (h.value ? h.value->size() : 0);
  }
  return sum;
}

} // namespace

TEST_CASE("every truncation of a batch is a truncated error, never a crash", "[io][kafka]") {
  const bytes full = sample_batch(0);
  for (std::size_t n = 0; n < full.size(); ++n) {
    INFO("length " << n);
    // A right-sized copy, so that reading past the end would be caught by
    // sanitizers rather than land in the rest of `full`.
    const bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto view = record_batch_view::parse(prefix);
    REQUIRE_FALSE(view.ok());
    CHECK(view.error().code() == errc::truncated);
    batch_split split = split_batches(prefix);
    CHECK(split.batches.empty());
    CHECK(split.valid_bytes == 0);
    CHECK(split.tail == (n == 0 ? batch_split::tail_kind::none : batch_split::tail_kind::truncated));
  }
  CHECK(record_batch_view::parse(full).ok());
}

TEST_CASE("bytes after the declared batch length are refused by parse", "[io][kafka]") {
  bytes longer = sample_batch(0);
  longer.push_back(0);
  auto view = record_batch_view::parse(longer);
  CHECK(view.error().code() == errc::corrupted);
  CHECK(mentions(view.error(), "'batch_length' at offset 8"));
}

TEST_CASE("a record length of 2^31-1 is rejected", "[io][kafka]") {
  bytes records = framed(record_body(0, 0, "k", "v"), std::numeric_limits<std::int32_t>::max());
  status st = parse_records(records, 1, 0);
  CHECK(st.code() == errc::too_large);
  CHECK(mentions(st, "'record length' at offset 61 declares 2147483647 bytes"));
  // Without a maximum it is still refused: it runs past the end of the batch.
  parse_options unlimited;
  unlimited.max_batch_bytes = SIZE_MAX;
  st = parse_records(records, 1, 0, unlimited);
  CHECK(st.code() == errc::corrupted);
  CHECK(mentions(st, "'record length'"));
}

TEST_CASE("negative lengths other than -1 for null are rejected", "[io][kafka]") {
  SECTION("a negative record length") {
    status st = parse_records(framed(record_body(0, 0, "k", "v"), -1), 1, 0);
    CHECK(st.code() == errc::corrupted);
    CHECK(mentions(st, "'record length' at offset 61 is negative"));
  }
  SECTION("a key length of -2") {
    bytes body{0x00, 0x00, 0x00, 0x03 /* -2 */, 0x02, 'v', 0x00};
    status st = parse_records(framed(body), 1, 0);
    CHECK(st.code() == errc::corrupted);
    CHECK(mentions(st, "'key' at offset 65 has length -2 (only -1 means null)"));
  }
  SECTION("a value length of -5") {
    bytes body{0x00, 0x00, 0x00, 0x01, 0x09 /* -5 */, 0x00};
    status st = parse_records(framed(body), 1, 0);
    CHECK(st.code() == errc::corrupted);
    CHECK(mentions(st, "'value'"));
  }
  SECTION("a null header key") {
    bytes body{0x00, 0x00, 0x00, 0x01, 0x01, 0x02 /* 1 header */, 0x01 /* key -1 */, 0x00};
    status st = parse_records(framed(body), 1, 0);
    CHECK(st.code() == errc::corrupted);
    CHECK(mentions(st, "'header key'"));
    CHECK(mentions(st, "may not be null"));
  }
  SECTION("a negative header count") {
    bytes body{0x00, 0x00, 0x00, 0x01, 0x01, 0x01 /* -1 headers */};
    status st = parse_records(framed(body), 1, 0);
    CHECK(st.code() == errc::corrupted);
    CHECK(mentions(st, "'header count'"));
  }
  SECTION("-1 is null for keys, values and header values") {
    bytes body{0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02, 'h', 0x01};
    CHECK(parse_records(framed(body), 1, 0).ok());
  }
}

TEST_CASE("a key longer than its record is corrupt, not truncated", "[io][kafka]") {
  bytes body{0x00, 0x00, 0x00, 0x7e /* 63 */, 'k', 0x01, 0x00};
  status st = parse_records(framed(body), 1, 0);
  CHECK(st.code() == errc::corrupted);
  CHECK(mentions(st, "record 0 of 1: 'key'"));
}

TEST_CASE("record fields that do not fill the declared length exactly are corrupt",
          "[io][kafka]") {
  bytes body = record_body(0, 0, "k", "v");
  body.push_back(0x00); // one byte the fields do not account for
  status st = parse_records(framed(body), 1, 0);
  CHECK(st.code() == errc::corrupted);
  CHECK(mentions(st, "its fields end 1 bytes before its declared length"));

  bytes short_body = record_body(0, 0, "k", "v");
  bytes records = framed(short_body, static_cast<std::int32_t>(short_body.size() - 1));
  st = parse_records(records, 1, 0);
  CHECK_FALSE(st.ok());
}

TEST_CASE("a records count that disagrees with the records is corrupt", "[io][kafka]") {
  bytes records = concat({framed(record_body(0, 0, "a", "1")), framed(record_body(0, 1, "b", "2"))});
  status more = parse_records(records, 3, 2);
  CHECK(more.code() == errc::corrupted);
  CHECK(mentions(more, "'records_count' is 3 but the batch ends"));
  status fewer = parse_records(records, 1, 1);
  CHECK(fewer.code() == errc::corrupted);
  CHECK(mentions(fewer, "follow the last of 'records_count' 1 records"));
  status negative = parse_records(bytes{}, -1, 0);
  CHECK(mentions(negative, "'records_count' at offset 57 is negative"));
  // A huge count over few bytes fails fast instead of looping or allocating.
  status huge = parse_records(records, std::numeric_limits<std::int32_t>::max(), 1);
  CHECK(huge.code() == errc::corrupted);
}

TEST_CASE("offset deltas must increase and stay within last_offset_delta", "[io][kafka]") {
  bytes backwards = concat({framed(record_body(0, 1, "a", "1")), framed(record_body(0, 0, "b", "2"))});
  CHECK(mentions(parse_records(backwards, 2, 1), "'offset delta' 0"));
  bytes beyond = concat({framed(record_body(0, 0, "a", "1")), framed(record_body(0, 5, "b", "2"))});
  CHECK(mentions(parse_records(beyond, 2, 1), "'last_offset_delta' 1"));
  CHECK(parse_records(beyond, 2, 5).ok());
}

TEST_CASE("a batch length below the 49-byte minimum or above the maximum is refused",
          "[io][kafka]") {
  bytes batch = sample_batch(0);
  bytes tiny = batch;
  store_be32(tiny.data() + batch_layout::batch_length, 48);
  CHECK(mentions(record_batch_view::parse(tiny).error(), "less than the minimum 49"));
  parse_options small;
  small.max_batch_bytes = batch.size() - 1;
  auto big = record_batch_view::parse(batch, small);
  CHECK(big.error().code() == errc::too_large);
}

TEST_CASE("the old message formats are unsupported and other magics corrupt", "[io][kafka]") {
  bytes batch = sample_batch(0);
  batch[batch_layout::magic] = 1;
  auto v1 = record_batch_view::parse(batch);
  CHECK(v1.error().code() == errc::unsupported);
  CHECK(mentions(v1.error(), "message format v1 is not supported"));
  batch[batch_layout::magic] = 9;
  CHECK(record_batch_view::parse(batch).error().code() == errc::corrupted);
}

TEST_CASE("split_batches returns every batch of a concatenation", "[io][kafka]") {
  const bytes a = sample_batch(0, 3), b = sample_batch(3, 1), c = sample_batch(4, 10);
  const bytes all = concat({a, b, c});
  batch_split split = split_batches(all);
  CHECK(split.tail == batch_split::tail_kind::none);
  CHECK(split.tail_error.ok());
  CHECK(split.valid_bytes == all.size());
  REQUIRE(split.batches.size() == 3);
  CHECK(split.batches[0].header().base_offset == 0);
  CHECK(split.batches[1].header().base_offset == 3);
  CHECK(split.batches[2].header().base_offset == 4);
  CHECK(split.batches[2].header().last_offset() == 13);
  CHECK(split.batches[1].bytes() == bytes_view{b});
  CHECK(split_batches(bytes{}).batches.empty());
}

TEST_CASE("split_batches reports a truncated last batch apart from a corrupt one",
          "[io][kafka]") {
  const bytes a = sample_batch(0), b = sample_batch(3);
  const bytes all = concat({a, b});
  SECTION("cut anywhere inside the second batch") {
    for (std::size_t n = a.size() + 1; n < all.size(); ++n) {
      INFO("length " << n);
      const bytes cut(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
      batch_split split = split_batches(cut);
      REQUIRE(split.batches.size() == 1);
      CHECK(split.valid_bytes == a.size());
      CHECK(split.tail == batch_split::tail_kind::truncated);
      CHECK(split.tail_error.code() == errc::truncated);
    }
  }
  SECTION("a bad CRC in the second batch") {
    bytes damaged = all;
    damaged.back() ^= 0xff;
    batch_split split = split_batches(damaged);
    REQUIRE(split.batches.size() == 1);
    CHECK(split.valid_bytes == a.size());
    CHECK(split.tail == batch_split::tail_kind::invalid);
    CHECK(mentions(split.tail_error, "'crc' at offset " + std::to_string(a.size() + 17)));
  }
  SECTION("a bad CRC in the first batch stops before it") {
    bytes damaged = all;
    damaged[40] ^= 0xff;
    batch_split split = split_batches(damaged);
    CHECK(split.batches.empty());
    CHECK(split.tail == batch_split::tail_kind::invalid);
  }
  SECTION("a cut batch whose header is already implausible is invalid, not truncated") {
    bytes garbage = a;
    garbage.insert(garbage.end(), {0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 2});
    batch_split split = split_batches(garbage);
    CHECK(split.batches.size() == 1);
    CHECK(split.tail == batch_split::tail_kind::invalid);
    CHECK(split.tail_error.code() == errc::too_large);

    bytes bad_magic = concat({a, bytes(b.begin(), b.begin() + 30)});
    bad_magic[a.size() + batch_layout::magic] = 0x55;
    CHECK(split_batches(bad_magic).tail == batch_split::tail_kind::invalid);

    bytes short_length = concat({a, bytes(b.begin(), b.begin() + 30)});
    store_be32(short_length.data() + a.size() + batch_layout::batch_length, 20);
    CHECK(split_batches(short_length).tail == batch_split::tail_kind::invalid);
  }
  SECTION("fewer than 12 bytes after the last batch") {
    bytes cut = concat({a, bytes(b.begin(), b.begin() + 5)});
    batch_split split = split_batches(cut);
    CHECK(split.batches.size() == 1);
    CHECK(split.tail == batch_split::tail_kind::truncated);
  }
}

TEST_CASE("parse survives random damage to valid batches, with and without a fixed CRC",
          "[io][kafka]") {
  std::mt19937 rng(2024);
  const bytes base = sample_batch(0, 6);
  std::uniform_int_distribution<std::size_t> pos(0, base.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255), flips(1, 4);
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    bytes b = base;
    for (int k = flips(rng); k > 0; --k)
      b[pos(rng)] = static_cast<std::uint8_t>(byte(rng));
    if (round % 2 == 0)
      fix_crc(b); // reach the record checks behind the CRC
    auto view = record_batch_view::parse(b);
    if (view) {
      ++parsed;
      touch_everything(*view);
    }
    batch_split split = split_batches(b);
    CHECK(split.valid_bytes <= b.size());
  }
  CHECK(parsed > 0); // some damage (e.g. to base_offset) leaves a valid batch
}

TEST_CASE("parse survives random bytes behind a valid header", "[io][kafka]") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64), count(0, 5);
  for (int round = 0; round < 20000; ++round) {
    bytes records(static_cast<std::size_t>(len(rng)));
    for (auto& x : records)
      x = static_cast<std::uint8_t>(byte(rng));
    bytes batch = raw_batch(records, count(rng), 4);
    auto view = record_batch_view::parse(batch);
    if (view)
      touch_everything(*view);
  }
  SUCCEED("no crash");
}
