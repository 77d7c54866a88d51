#include "state/log/segment_log.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/crc32c.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;

TEST_CASE("appended batches read back byte for byte across several segment rolls",
          "[state][log]") {
  auto interval = GENERATE(1u, 150u, 4096u);
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments(interval));
  std::vector<std::string> stored;
  std::vector<append_result> offsets;
  for (int i = 0; i < 40; ++i) {
    auto batch = make_batch(1 + i % 4, 20 + static_cast<std::size_t>(i % 5) * 30, 1000 + i);
    offsets.push_back(append_ok(log, batch));
    stored.push_back(with_base(batch, offsets.back().base_offset));
  }
  CHECK(log.segment_count() >= 5);
  std::string everything;
  for (auto& s : stored)
    everything += s;
  CHECK(read_ok(log, 0, all, log.end_offset()).bytes == everything);
  CHECK(log.size_bytes() == everything.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    // Any offset inside a batch returns that whole batch.
    for (auto o = offsets[i].base_offset; o <= offsets[i].last_offset; ++o) {
      auto r = read_ok(log, o, 1, log.end_offset());
      CHECK(r.bytes == stored[i]);
      CHECK(r.next_offset == offsets[i].last_offset + 1);
    }
  }
  for (auto base : log.segment_base_offsets())
    CHECK(std::filesystem::exists(tmp / segment_file_name(base)));
}

TEST_CASE("the log assigns dense offsets and ignores the producer's base offset",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path());
  CHECK(log.end_offset() == 0);
  auto a = append_ok(log, make_batch(1, 10, 1, 999));
  auto b = append_ok(log, make_batch(3, 10, 2, -5));
  auto c = append_ok(log, make_batch(5, 10, 3, 0));
  CHECK((a.base_offset == 0 && a.last_offset == 0));
  CHECK((b.base_offset == 1 && b.last_offset == 3));
  CHECK((c.base_offset == 4 && c.last_offset == 8));
  CHECK(log.end_offset() == 9);
  using batches = std::vector<std::pair<std::int64_t, std::int64_t>>;
  CHECK(batches_in(read_ok(log, 0, all, 9).bytes) == batches{{0, 0}, {1, 3}, {4, 8}});
}

TEST_CASE("a read returns at least one batch, stops at batch boundaries and at the upper bound",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments());
  using batches = std::vector<std::pair<std::int64_t, std::int64_t>>;
  for (int i = 0; i < 12; ++i)
    append_ok(log, make_batch(2, 50, i)); // 161 bytes, offsets 2i..2i+1
  REQUIRE(log.segment_count() > 1);
  auto end = log.end_offset();
  CHECK(end == 24);
  // max_bytes below one batch still returns one batch.
  CHECK(batches_in(read_ok(log, 0, 1, end).bytes) == batches{{0, 1}});
  CHECK(batches_in(read_ok(log, 3, 0, end).bytes) == batches{{2, 3}});
  // Stops at the last whole batch that fits, also across segment files.
  CHECK(batches_in(read_ok(log, 0, 400, end).bytes) == batches{{0, 1}, {2, 3}});
  auto r = read_ok(log, 8, 161 * 5, end);
  CHECK(batches_in(r.bytes) == batches{{8, 9}, {10, 11}, {12, 13}, {14, 15}, {16, 17}});
  CHECK(r.next_offset == 18);
  // The upper bound (high watermark) excludes a batch that reaches it.
  CHECK(batches_in(read_ok(log, 0, all, 5).bytes) == batches{{0, 1}, {2, 3}});
  CHECK(batches_in(read_ok(log, 0, all, 6).bytes) == batches{{0, 1}, {2, 3}, {4, 5}});
  auto capped = read_ok(log, 4, all, 5);
  CHECK(capped.bytes.empty());
  CHECK(capped.next_offset == 4);
  CHECK(batches_in(read_ok(log, 16, 1, 20).bytes) == batches{{16, 17}});
  // At the end: empty; beyond it or below the start: an error.
  CHECK(read_ok(log, end, all, end).bytes.empty());
  CHECK(log.read(end + 1, all, end).error().code() == errc::invalid_argument);
  CHECK(log.read(-1, all, end).error().code() == errc::invalid_argument);
}

TEST_CASE("offset_for_timestamp returns the first batch whose max timestamp reaches the target",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments());
  // Out-of-order timestamps; batches of 2 offsets, 161 bytes, 6 per segment.
  std::vector<std::int64_t> ts{100, 300, 200, 400, 400, 500, 450, 250, 700, 600};
  for (auto t : ts)
    append_ok(log, make_batch(2, 50, t));
  REQUIRE(log.segment_count() == 2);
  using opt = std::optional<std::int64_t>;
  CHECK(log.offset_for_timestamp(-1) == opt{0});
  CHECK(log.offset_for_timestamp(100) == opt{0});
  CHECK(log.offset_for_timestamp(101) == opt{2});
  CHECK(log.offset_for_timestamp(300) == opt{2});
  CHECK(log.offset_for_timestamp(301) == opt{6});
  CHECK(log.offset_for_timestamp(401) == opt{10});
  CHECK(log.offset_for_timestamp(501) == opt{16}); // in the second segment
  CHECK(log.offset_for_timestamp(650) == opt{16});
  CHECK(log.offset_for_timestamp(701) == std::nullopt);
}

TEST_CASE("truncate_to mid-segment and across segments lets appends continue at the cut",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments(100));
  std::string expected;
  for (int i = 0; i < 30; ++i) {
    auto batch = make_batch(2, 50, i);
    auto a = append_ok(log, batch);
    if (a.base_offset < 20)
      expected += with_base(batch, a.base_offset);
  }
  REQUIRE(log.segment_count() == 5); // 6 batches of 12 offsets per segment
  // Offset 21 is inside the batch 20..21 in the second segment: that batch goes too.
  REQUIRE(log.truncate_to(21).to_string() == "ok");
  CHECK(log.end_offset() == 20);
  CHECK(log.segment_count() == 2);
  CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{0, 12});
  CHECK(!std::filesystem::exists(tmp / segment_file_name(24)));
  CHECK(read_ok(log, 0, all, log.end_offset()).bytes == expected);
  CHECK(log.offset_for_timestamp(10) == std::nullopt);
  CHECK(log.offset_for_timestamp(9) == std::optional<std::int64_t>{18});
  CHECK(log.flushed_offset() <= 20);
  auto next = append_ok(log, make_batch(3, 50, 77));
  CHECK((next.base_offset == 20 && next.last_offset == 22));
  CHECK(log.offset_for_timestamp(10) == std::optional<std::int64_t>{20});

  SECTION("to a segment's base offset removes that segment entirely") {
    REQUIRE(log.truncate_to(12).to_string() == "ok");
    CHECK(log.end_offset() == 12);
    CHECK(log.segment_count() == 1);
    CHECK(append_ok(log, make_batch(1, 10, 1)).base_offset == 12);
  }
  SECTION("to the log start leaves an empty log that keeps its start offset") {
    REQUIRE(log.truncate_to(0).to_string() == "ok");
    CHECK(log.end_offset() == 0);
    CHECK(log.size_bytes() == 0);
    CHECK(read_ok(log, 0, all, 0).bytes.empty());
    CHECK(append_ok(log, make_batch(1, 10, 1)).base_offset == 0);
  }
  SECTION("at or past the end changes nothing") {
    auto size = log.size_bytes();
    REQUIRE(log.truncate_to(23).to_string() == "ok");
    REQUIRE(log.truncate_to(1000).to_string() == "ok");
    CHECK(log.size_bytes() == size);
    CHECK(log.end_offset() == 23);
  }
  SECTION("the truncated log reopens with the same contents") {
    auto before = read_ok(log, 0, all, log.end_offset()).bytes;
    REQUIRE(log.flush().to_string() == "ok");
    log = open_ok(tmp.path(), small_segments(100));
    CHECK(log.end_offset() == 23);
    CHECK(read_ok(log, 0, all, 23).bytes == before);
  }
}

TEST_CASE("append rejects a bad batch with an error and leaves the log unchanged",
          "[state][log]") {
  temp_dir tmp;
  log_config config;
  config.max_batch_bytes = 1000;
  auto log = open_ok(tmp.path(), config);
  append_ok(log, make_batch(2, 10, 1));
  auto good = make_batch(3, 10, 2);
  std::vector<std::pair<const char*, std::string>> bad;
  auto b = good;
  b[16] = 1;
  bad.emplace_back("wrong magic", b);
  b = good;
  b[70] ^= 0x01;
  bad.emplace_back("bad crc", b);
  bad.emplace_back("truncated", good.substr(0, good.size() - 1));
  bad.emplace_back("shorter than a header", good.substr(0, 40));
  bad.emplace_back("empty", std::string{});
  b = good + "x";
  bad.emplace_back("trailing byte", b);
  b = good;
  put_be(b, 23, 5, 4);
  fix_crc(b);
  bad.emplace_back("last_offset_delta beyond the record count", b);
  bad.emplace_back("no records", make_batch(0, 0, 3));
  bad.emplace_back("larger than max_batch_bytes", make_batch(10, 100, 4));
  for (auto& [why, batch] : bad) {
    INFO(why);
    auto r = log.append(batch);
    REQUIRE(!r.ok());
    CHECK(r.error().code() == errc::invalid_argument);
    CHECK(log.end_offset() == 2);
    CHECK(log.size_bytes() == 81);
  }
  CHECK(append_ok(log, good).base_offset == 2);
}

TEST_CASE("append_at keeps the leader's offsets and refuses any other base offset",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path());
  auto r = log.append_at(make_batch(2, 10, 1, 0), 0);
  REQUIRE(r.ok());
  CHECK(r->last_offset == 1);
  CHECK(log.append_at(make_batch(1, 10, 1, 5), 5).error().code() == errc::invalid_argument);
  CHECK(log.append_at(make_batch(1, 10, 1, 3), 2).error().code() == errc::invalid_argument);
  // A compacted leader batch: 2 records spanning offsets 2..9.
  auto gappy = log.append_at(make_batch(2, 10, 1, 2, 7), 2);
  REQUIRE(gappy.ok());
  CHECK(log.end_offset() == 10);
}

TEST_CASE("a batch whose offsets overflow the segment's 32-bit relative offsets rolls a segment",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path());
  append_ok(log, make_batch(1, 10, 1));
  // One record whose offset delta reaches the largest relative offset.
  auto big = make_batch(1, 10, 2, 1, 0x7fffffff - 1);
  REQUIRE(log.append_at(big, 1).ok());
  CHECK(log.segment_count() == 1);
  auto next = append_ok(log, make_batch(1, 10, 3));
  CHECK(next.base_offset == 0x80000000LL);
  CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{0, 0x80000000LL});
  REQUIRE(log.flush().to_string() == "ok");
  log = open_ok(tmp.path());
  CHECK(log.end_offset() == 0x80000001LL);
  CHECK(batches_in(read_ok(log, 5, 1, log.end_offset()).bytes).front().first == 1);
}

TEST_CASE("the fsync policy decides what flushed_offset covers", "[state][log]") {
  temp_dir tmp;
  log_config config;
  SECTION("every_batch syncs each append") {
    config.fsync = fsync_policy::every_batch;
    auto log = open_ok(tmp.path(), config);
    append_ok(log, make_batch(3, 10, 1));
    CHECK(log.flushed_offset() == 3);
  }
  SECTION("interval and never sync only on flush") {
    config.fsync = GENERATE(fsync_policy::interval, fsync_policy::never);
    auto log = open_ok(tmp.path(), config);
    append_ok(log, make_batch(3, 10, 1));
    CHECK(log.flushed_offset() == 0);
    REQUIRE(log.flush().to_string() == "ok");
    CHECK(log.flushed_offset() == 3);
    append_ok(log, make_batch(3, 10, 1));
    CHECK(log.flushed_offset() == 3);
    REQUIRE(log.truncate_to(1).to_string() == "ok");
    CHECK(log.flushed_offset() == 0);
  }
}

TEST_CASE("open rejects a config out of range", "[state][log]") {
  temp_dir tmp;
  log_config config;
  config.index_interval_bytes = 0;
  CHECK(segment_log::open(tmp.path(), config).error().code() == errc::invalid_argument);
}
