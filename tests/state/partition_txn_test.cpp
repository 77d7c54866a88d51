// Transactions on one partition replica (design 0002): transactional data
// opens a producer's transaction, markers close it, the last stable offset
// holds read_committed fetches below open transactions, aborts are listed,
// and markers with a newer epoch fence older producer instances. The state
// is rebuilt from the log when the replica reopens.

#include "state/partition/replica.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <algorithm>

#include "runtime/record_batch_layout.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using namespace rivulet::raft;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;

namespace {

std::string with_attributes(std::string b, std::int16_t attributes) {
  put_be(b, 21, static_cast<std::uint16_t>(attributes), 2);
  fix_crc(b);
  return b;
}

// A transactional batch of `records` records from producer `id`.
std::string txn_batch(std::int64_t id, std::int16_t epoch, std::int32_t seq, int records = 2) {
  return with_attributes(with_producer(make_batch(records, 16, 1000 + seq), id, epoch, seq),
                         rivulet::batch_format::attr::transactional);
}

// A commit or abort marker as Kafka's coordinator writes it: control +
// transactional, one record with key (version 0, type) and value
// (version 0, coordinator epoch 7).
std::string marker(std::int64_t id, std::int16_t epoch, bool commit) {
  std::string rec;
  rec += '\0';        // attributes
  rec += '\0';        // timestamp delta 0
  rec += '\0';        // offset delta 0
  rec += '\x08';      // key length 4 (zig-zag)
  rec += std::string("\0\0\0", 3) + (commit ? '\x01' : '\x00');
  rec += '\x0c';      // value length 6
  rec += std::string("\0\0\0\0\0\x07", 6);
  rec += '\0';        // no headers
  std::string b(61, '\0');
  b += static_cast<char>(rec.size() * 2); // record length (zig-zag)
  b += rec;
  put_be(b, 8, b.size() - 12, 4);
  b[16] = 2;
  put_be(b, 21, rivulet::batch_format::attr::control | rivulet::batch_format::attr::transactional, 2);
  put_be(b, 57, 1, 4);
  return with_producer(b, id, epoch, -1);
}

partition_replica sole_leader(const std::filesystem::path& dir) {
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}};
  cfg.group = group_id{1};
  auto r = partition_replica::open(dir, cfg);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  auto rep = std::move(r).value();
  for (int i = 0; i < 50 && !rep.is_leader(); ++i) {
    rep.tick();
    rep.pump();
  }
  REQUIRE(rep.is_leader());
  rep.pump();
  return rep;
}

void produce_ok(partition_replica& rep, const std::string& batch, bool is_marker = false) {
  auto r = rep.produce(batch, is_marker);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  rep.pump();
}

} // namespace

TEST_CASE("the last stable offset stops at the oldest open transaction and moves on at its marker",
          "[state][partition][txn]") {
  temp_dir dir;
  auto rep = sole_leader(dir.path());
  auto start = rep.high_watermark(); // after the leader's no-op
  produce_ok(rep, with_producer(make_batch(2, 16, 1), 5, 0, 0)); // idempotent, not transactional
  REQUIRE(rep.last_stable_offset() == rep.high_watermark());
  auto txn_first = rep.high_watermark();
  produce_ok(rep, txn_batch(9, 0, 0));   // opens producer 9's transaction
  produce_ok(rep, with_producer(make_batch(3, 16, 2), 5, 0, 2));
  produce_ok(rep, txn_batch(9, 0, 2));
  CHECK(rep.high_watermark() == txn_first + 7);
  CHECK(rep.last_stable_offset() == txn_first);
  // read_committed sees only what lies below the LSO.
  auto committed_view = rep.fetch(start, 1 << 20, true);
  REQUIRE(committed_view.ok());
  CHECK(batches_in(*committed_view).back().second == txn_first - 1);
  CHECK(batches_in(*rep.fetch(start, 1 << 20, false)).back().second == txn_first + 6);
  CHECK(rep.fetch(txn_first, 1 << 20, true)->empty());

  produce_ok(rep, marker(9, 0, true), true);
  CHECK(rep.last_stable_offset() == rep.high_watermark());
  CHECK(rep.transactions().open().empty());
  CHECK(rep.transactions().aborted_between(0, 1000).empty());
}

TEST_CASE("an aborted transaction is listed for fetches that overlap it, and survives a reopen",
          "[state][partition][txn]") {
  temp_dir dir;
  std::int64_t first = 0, last = 0;
  auto check = [&](const partition_replica& rep) {
    auto ab = rep.transactions().aborted_between(first, first);
    REQUIRE(ab.size() == 1);
    CHECK(ab[0].producer_id == 3);
    CHECK(ab[0].first_offset == first);
    CHECK(ab[0].last_offset == last);
    CHECK(rep.transactions().aborted_between(last, last + 100).size() == 1);
    CHECK(rep.transactions().aborted_between(last + 1, last + 100).empty());
    CHECK(rep.transactions().aborted_between(0, first - 1).empty());
    // Producer 4's transaction (at first + 4) is still open.
    CHECK(rep.last_stable_offset() == first + 4);
  };
  {
    auto rep = sole_leader(dir.path());
    first = rep.high_watermark();
    produce_ok(rep, txn_batch(3, 1, 0, 4));
    produce_ok(rep, txn_batch(4, 0, 0, 1));
    produce_ok(rep, txn_batch(3, 1, 4, 2));
    produce_ok(rep, marker(3, 1, false), true);
    last = rep.high_watermark() - 1;
    check(rep);
  }
  auto reopened = sole_leader(dir.path());
  check(reopened);
}

TEST_CASE("markers are refused as data, and a marker with a newer epoch fences the older producer",
          "[state][partition][txn]") {
  temp_dir dir;
  auto rep = sole_leader(dir.path());
  auto as_data = rep.produce(marker(3, 0, true));
  REQUIRE_FALSE(as_data.ok());
  CHECK(as_data.error().code() == replica_errc::invalid_batch);
  auto not_marker = rep.produce(txn_batch(3, 0, 0), true);
  REQUIRE_FALSE(not_marker.ok());
  CHECK(not_marker.error().code() == replica_errc::invalid_batch);
  auto no_pid = rep.produce(with_attributes(make_batch(1, 8, 1), rivulet::batch_format::attr::transactional));
  REQUIRE_FALSE(no_pid.ok());
  CHECK(no_pid.error().code() == replica_errc::invalid_batch);

  produce_ok(rep, txn_batch(3, 0, 0));
  // The coordinator aborts on a timeout with the epoch bumped to 1.
  produce_ok(rep, marker(3, 1, false), true);
  auto zombie = rep.produce(txn_batch(3, 0, 2));
  REQUIRE_FALSE(zombie.ok());
  CHECK(zombie.error().code() == replica_errc::invalid_producer_epoch);
  auto old_marker = rep.produce(marker(3, 0, true), true);
  REQUIRE_FALSE(old_marker.ok());
  CHECK(old_marker.error().code() == replica_errc::invalid_producer_epoch);
  // The new instance starts epoch 1 afresh.
  produce_ok(rep, txn_batch(3, 1, 0));
  CHECK(rep.last_stable_offset() < rep.high_watermark());
  produce_ok(rep, marker(3, 1, true), true);
  CHECK(rep.last_stable_offset() == rep.high_watermark());
  CHECK(rep.transactions().aborted_count() == 1);
}

namespace {

void put_zigzag(std::string& out, std::int64_t v) {
  auto raw = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  while (raw >= 0x80) {
    out += static_cast<char>((raw & 0x7f) | 0x80);
    raw >>= 7;
  }
  out += static_cast<char>(raw);
}

// A batch whose records have timestamps base_ts + deltas[i] (null key and value).
std::string timed_batch(std::int64_t base_ts, const std::vector<std::int64_t>& deltas) {
  std::string b(61, '\0');
  std::int64_t max_ts = base_ts;
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    std::string rec;
    rec += '\0';
    put_zigzag(rec, deltas[i]);
    put_zigzag(rec, static_cast<std::int64_t>(i));
    rec += "\x01\x01";
    rec += '\0';
    put_zigzag(b, static_cast<std::int64_t>(rec.size()));
    b += rec;
    max_ts = std::max(max_ts, base_ts + deltas[i]);
  }
  put_be(b, 8, b.size() - 12, 4);
  b[16] = 2;
  put_be(b, 23, deltas.size() - 1, 4);
  put_be(b, 27, static_cast<std::uint64_t>(base_ts), 8);
  put_be(b, 35, static_cast<std::uint64_t>(max_ts), 8);
  put_be(b, 43, ~std::uint64_t{0}, 8);
  put_be(b, 51, 0xffff, 2);
  put_be(b, 53, 0xffffffff, 4);
  put_be(b, 57, deltas.size(), 4);
  fix_crc(b);
  return b;
}

} // namespace

TEST_CASE("a timestamp lookup finds the first committed record at or after the time", "[state][partition]") {
  temp_dir dir;
  auto rep = sole_leader(dir.path());
  auto first = rep.high_watermark();
  produce_ok(rep, timed_batch(1000, {0, 10, 20}));   // offsets first..first+2: 1000, 1010, 1020
  produce_ok(rep, timed_batch(2000, {0, 50, 5}));    // first+3..first+5: 2000, 2050, 2005
  auto at = [&](std::int64_t ts) {
    auto r = rep.offset_for_timestamp(ts);
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(at(0) == std::make_pair(first, std::int64_t{1000}));
  CHECK(at(1005) == std::make_pair(first + 1, std::int64_t{1010}));
  CHECK(at(1020) == std::make_pair(first + 2, std::int64_t{1020}));
  CHECK(at(1021) == std::make_pair(first + 3, std::int64_t{2000}));
  CHECK(at(2004) == std::make_pair(first + 4, std::int64_t{2050})); // offset order, not time order
  CHECK_FALSE(at(2051).has_value());
}
