#pragma once

// Record batches for segment log tests: real v2 headers with correct CRCs.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/crc32c.hpp"
#include "state/log/segment_log.hpp"

namespace rivulet::testing::log_batches {

using namespace rivulet::state;


// Test batches: a real v2 header with a correct CRC over `records` opaque
// records of `record_bytes` each (not encoded as Kafka records; the log
// looks only at the header). 
inline void put_be(std::string& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i, v >>= 8)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
}

inline void fix_crc(std::string& b) {
  put_be(b, 17, rivulet::crc32c(b.data() + 21, b.size() - 21), 4);
}

inline std::string make_batch(int records, std::size_t record_bytes, std::int64_t max_ts,
                       std::int64_t base_offset = 0, int last_offset_delta = -1) {
  std::string b(61 + static_cast<std::size_t>(records) * record_bytes, '\0');
  put_be(b, 0, static_cast<std::uint64_t>(base_offset), 8);
  put_be(b, 8, b.size() - 12, 4);
  put_be(b, 12, 0xffffffff, 4);
  b[16] = 2;
  put_be(b, 23, static_cast<std::uint32_t>(last_offset_delta >= 0 ? last_offset_delta : records - 1), 4);
  put_be(b, 27, static_cast<std::uint64_t>(max_ts), 8);
  put_be(b, 35, static_cast<std::uint64_t>(max_ts), 8);
  put_be(b, 43, ~std::uint64_t{0}, 8);
  put_be(b, 51, 0xffff, 2);
  put_be(b, 53, 0xffffffff, 4);
  put_be(b, 57, static_cast<std::uint32_t>(records), 4);
  for (std::size_t i = 61; i < b.size(); ++i)
    b[i] = static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(max_ts)) % 26);
  fix_crc(b);
  return b;
}

// `b` as a batch of idempotent producer `producer_id` at `epoch`, its first
// record numbered `base_sequence` (CRC fixed).
inline std::string with_producer(std::string b, std::int64_t producer_id, std::int16_t epoch,
                                 std::int32_t base_sequence) {
  put_be(b, 43, static_cast<std::uint64_t>(producer_id), 8);
  put_be(b, 51, static_cast<std::uint16_t>(epoch), 2);
  put_be(b, 53, static_cast<std::uint32_t>(base_sequence), 4);
  fix_crc(b);
  return b;
}

inline std::string with_base(std::string b, std::int64_t base) {
  put_be(b, 0, static_cast<std::uint64_t>(base), 8);
  return b;
}

// (base offset, last offset) of each batch in `bytes`.
inline std::vector<std::pair<std::int64_t, std::int64_t>> batches_in(const std::string& bytes) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t pos = 0; pos + 61 <= bytes.size();) {
    auto h = decode_batch_header(bytes.data() + pos);
    out.emplace_back(h.base_offset, h.last_offset());
    pos += h.size();
  }
  return out;
}

inline segment_log open_ok(const std::filesystem::path& dir, log_config config = {}) {
  auto r = segment_log::open(dir, config);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

inline append_result append_ok(segment_log& log, const std::string& batch) {
  auto r = log.append(batch);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return *r;
}

inline read_result read_ok(const segment_log& log, std::int64_t from, std::size_t max_bytes,
                    std::int64_t upper_bound) {
  auto r = log.read(from, max_bytes, upper_bound);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return *r;
}

inline log_config small_segments(std::uint32_t index_interval_bytes = 4096) {
  log_config c;
  c.segment_bytes = 1000;
  c.index_interval_bytes = index_interval_bytes;
  return c;
}

inline constexpr std::size_t all = std::size_t{1} << 30;

} // namespace rivulet::testing::log_batches
