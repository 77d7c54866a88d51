#include "state/log/segment_log.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/crc32c.hpp"
#include "runtime/log.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << bytes;
}

// Captures warnings from the log while alive.
struct captured_log {
  std::vector<std::string> lines;
  captured_log() {
    rivulet::set_log_level(rivulet::log_level::warn);
    rivulet::set_log_sink([this](rivulet::log_level, const std::string& line) {
      lines.push_back(line);
    });
  }
  ~captured_log() {
    rivulet::set_log_sink(nullptr);
    rivulet::set_log_level(rivulet::log_level::off);
  }
};

// 14 batches of 2 offsets and 161 bytes each, 6 per segment: segments at
// 0, 12 and 24; the last holds offsets 24..27. Returns the stored bytes.
std::string fill(segment_log& log) {
  std::string stored;
  for (int i = 0; i < 14; ++i) {
    auto batch = make_batch(2, 50, 1000 + i);
    stored += with_base(batch, append_ok(log, batch).base_offset);
  }
  REQUIRE(log.segment_base_offsets() == std::vector<std::int64_t>{0, 12, 24});
  REQUIRE(log.flush().to_string() == "ok");
  return stored;
}

} // namespace

TEST_CASE("a log reopened after a clean close reads identically", "[state][log]") {
  temp_dir tmp;
  std::string stored;
  {
    auto log = open_ok(tmp.path(), small_segments(200));
    stored = fill(log);
  }
  auto log = open_ok(tmp.path(), small_segments(200));
  CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{0, 12, 24});
  CHECK(log.log_start_offset() == 0);
  CHECK(log.end_offset() == 28);
  CHECK(log.flushed_offset() == 28);
  CHECK(read_ok(log, 0, all, 28).bytes == stored);
  for (std::int64_t o = 0; o < 28; ++o)
    CHECK(read_ok(log, o, 1, 28).bytes == stored.substr(static_cast<std::size_t>(o / 2) * 161, 161));
  CHECK(log.offset_for_timestamp(1007) == std::optional<std::int64_t>{14});
  CHECK(append_ok(log, make_batch(1, 10, 5)).base_offset == 28);
}

TEST_CASE("a torn last batch is cut away on open at every cut position", "[state][log]") {
  temp_dir tmp;
  std::string stored;
  {
    auto log = open_ok(tmp.path(), small_segments());
    stored = fill(log);
  }
  auto last = tmp / segment_file_name(24);
  auto intact = read_file(last);
  REQUIRE(intact.size() == 2 * 161);
  for (std::size_t cut = 0; cut < 161; ++cut) {
    INFO("last batch cut to " << cut << " bytes");
    write_file(last, intact.substr(0, 161 + cut));
    captured_log warnings;
    auto log = open_ok(tmp.path(), small_segments());
    CHECK(log.end_offset() == 26);
    CHECK(read_ok(log, 0, all, 26).bytes == stored.substr(0, 13 * 161));
    CHECK(std::filesystem::file_size(last) == 161);
    if (cut > 0) {
      REQUIRE(warnings.lines.size() == 1);
      CHECK(warnings.lines[0].find(last.string()) != std::string::npos);
      CHECK(warnings.lines[0].find("position 161") != std::string::npos);
    }
    CHECK(append_ok(log, make_batch(2, 50, 1013)).base_offset == 26);
    CHECK(log.end_offset() == 28);
  }
}

TEST_CASE("garbage or a corrupt batch at the end of the last segment is cut away on open",
          "[state][log]") {
  temp_dir tmp;
  std::string stored;
  {
    auto log = open_ok(tmp.path(), small_segments());
    stored = fill(log);
  }
  auto last = tmp / segment_file_name(24);
  auto intact = read_file(last);
  std::string damaged;
  std::int64_t end = 0;
  SECTION("trailing garbage") {
    damaged = intact + std::string(200, '\xff');
    end = 28;
  }
  SECTION("trailing zeros, as after a crash that extended the file") {
    damaged = intact + std::string(4096, '\0');
    end = 28;
  }
  SECTION("a bad CRC in the first batch of the last segment drops both batches") {
    damaged = intact;
    damaged[100] ^= 0x20;
    end = 24;
  }
  SECTION("a wrong base offset breaks contiguity") {
    damaged = with_base(intact.substr(0, 161), 40) + intact.substr(161);
    end = 24;
  }
  write_file(last, damaged);
  captured_log warnings;
  auto log = open_ok(tmp.path(), small_segments());
  CHECK(log.end_offset() == end);
  CHECK(read_ok(log, 0, all, end).bytes == stored.substr(0, static_cast<std::size_t>(end / 2) * 161));
  CHECK(warnings.lines.size() == 1);
  CHECK(append_ok(log, make_batch(1, 10, 1)).base_offset == end);
}

TEST_CASE("damage inside an earlier segment makes open fail with an error naming the file",
          "[state][log]") {
  temp_dir tmp;
  {
    auto log = open_ok(tmp.path(), small_segments());
    fill(log);
  }
  auto middle = tmp / segment_file_name(12);
  auto bytes = read_file(middle);
  std::string expect;
  SECTION("a corrupt CRC") {
    bytes[2 * 161 + 80] ^= 0x01;
    write_file(middle, bytes);
    expect = "position 322";
  }
  SECTION("a torn batch") {
    write_file(middle, bytes.substr(0, bytes.size() - 7));
    expect = "position 805";
  }
  SECTION("a missing segment") {
    std::filesystem::remove(middle);
    expect = segment_file_name(24);
  }
  auto r = segment_log::open(tmp.path(), small_segments());
  REQUIRE(!r.ok());
  CHECK(r.error().code() == errc::corrupted);
  INFO(r.error().to_string());
  auto message = r.error().message();
  CHECK(message.find(expect) != std::string::npos);
  CHECK(message.find(segment_file_name(expect == segment_file_name(24) ? 0 : 12))
        != std::string::npos);
}

TEST_CASE("retention by time deletes old segments oldest first up to the high watermark",
          "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments());
  fill(log); // segment max timestamps: 1005, 1011, 1013 (active)
  SECTION("expired segments below the high watermark go; the active one stays") {
    auto r = log.apply_retention(/*now*/ 10'000, /*retention_ms*/ 100, -1, /*hw*/ 28);
    REQUIRE(r.ok());
    CHECK(r->segments_deleted == 2);
    CHECK(r->bytes_deleted == 12 * 161);
    CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{24});
    CHECK(log.log_start_offset() == 24);
    CHECK(!std::filesystem::exists(tmp / segment_file_name(0)));
    CHECK(log.read(23, all, 28).error().code() == errc::invalid_argument);
    CHECK(batches_in(read_ok(log, 24, 1, 28).bytes).front().first == 24);
  }
  SECTION("only segments past the retention time go") {
    auto r = log.apply_retention(1106, 100, -1, 28); // keeps timestamps >= 1006
    REQUIRE(r.ok());
    CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{12, 24});
    CHECK(log.log_start_offset() == 12);
  }
  SECTION("a segment holding offsets at or above the high watermark stays") {
    auto r = log.apply_retention(10'000, 100, -1, 23);
    REQUIRE(r.ok());
    CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{12, 24});
    REQUIRE(log.apply_retention(10'000, 100, -1, 11)->segments_deleted == 0);
  }
  SECTION("the log start offset survives a reopen") {
    REQUIRE(log.apply_retention(1106, 100, -1, 28).ok());
    log = open_ok(tmp.path(), small_segments());
    CHECK(log.log_start_offset() == 12);
    CHECK(log.truncate_to(5).code() == errc::invalid_argument);
  }
}

TEST_CASE("retention by bytes deletes while the rest still reaches the limit", "[state][log]") {
  temp_dir tmp;
  auto log = open_ok(tmp.path(), small_segments());
  fill(log); // 966 + 966 + 322 bytes
  REQUIRE(log.size_bytes() == 2254);
  SECTION("a limit the log minus one segment still meets") {
    auto r = log.apply_retention(0, -1, 1288, 28);
    REQUIRE(r.ok());
    CHECK(r->segments_deleted == 1);
    CHECK(log.size_bytes() == 1288);
  }
  SECTION("a small limit never removes the active segment") {
    REQUIRE(log.apply_retention(0, -1, 0, 28).ok());
    CHECK(log.segment_base_offsets() == std::vector<std::int64_t>{24});
  }
  SECTION("a limit the log without its oldest segment would fall below") {
    REQUIRE(log.apply_retention(0, -1, 1289, 28)->segments_deleted == 0);
  }
  SECTION("the high watermark guards bytes retention too") {
    REQUIRE(log.apply_retention(0, -1, 0, 12)->segments_deleted == 1);
    CHECK(log.log_start_offset() == 12);
  }
}
