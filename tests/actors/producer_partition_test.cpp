// The producer's per-partition batch queue without actors or a cluster:
// batching by size and linger, in-order pipelining, retries with the same
// bytes after a drain, in-order reports, and the sequence restart (next
// epoch, sequence 0) after giving up on a batch.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/producer_partition.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/record_batch.hpp"

using namespace rivulet;
using namespace rivulet::actors::detail;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t pid = 4242;

batching_settings settings(std::size_t batch_bytes = 1000) {
  batching_settings s;
  s.batch_bytes = batch_bytes;
  s.linger = 5ms;
  s.delivery_timeout = 1000ms;
  s.max_in_flight = 3;
  s.producer_id = pid;
  return s;
}

io::kafka::plain_record rec(const std::string& value) {
  return {std::nullopt, value, 1};
}

io::kafka::batch_header header_of(const std::string& bytes) {
  auto split = io::kafka::split_batches(io::kafka::bytes_view::of(bytes));
  REQUIRE(split.batches.size() == 1);
  return split.batches[0].header();
}

struct collected {
  std::vector<std::string> order;  // "ok@<offset>" or the error, one per record
};

void collect(std::vector<finished_batch> done, collected& out) {
  for (auto& f : done)
    for (std::size_t i = 0; i < f.tickets.size(); ++i)
      out.order.push_back(f.error.empty() ? "ok@" + std::to_string(f.base_offset + static_cast<std::int64_t>(i))
                                          : f.error);
}

} // namespace

TEST_CASE("a partition queue seals batches by size and by linger and stamps consecutive sequences",
          "[producer]") {
  // 24 + 50 bytes per record: two fill a batch of 61 + 2 * 74 = 209 bytes.
  partition_queue q{"t-0", settings(209)};
  steady_time t0{};
  std::uint64_t ids = 0;
  CHECK_FALSE(q.append(rec(std::string(50, 'a')), {}, t0));
  CHECK(q.append(rec(std::string(50, 'b')), {}, t0));  // full: sealed
  CHECK_FALSE(q.append(rec(std::string(50, 'c')), {}, t0));
  CHECK_FALSE(q.seal_due(t0 + 4ms, false));
  CHECK(q.seal_due(t0 + 5ms, false));
  auto sends = q.take_sendable(t0 + 5ms, ids);
  REQUIRE(sends.size() == 2);
  auto h0 = header_of(*sends[0].bytes);
  auto h1 = header_of(*sends[1].bytes);
  CHECK(h0.producer_id == pid);
  CHECK(h0.producer_epoch == 0);
  CHECK(h0.base_sequence == 0);
  CHECK(h0.records_count == 2);
  CHECK(h1.base_sequence == 2);
  CHECK(h1.records_count == 1);
}

TEST_CASE("after a retriable error a partition queue drains, waits the backoff and resends the same bytes in "
          "order", "[producer]") {
  partition_queue q{"t-0", settings()};
  steady_time t0{};
  std::uint64_t ids = 0;
  for (int i = 0; i < 4; ++i) {
    q.append(rec("v" + std::to_string(i)), {}, t0);
    q.seal_due(t0, true);
  }
  auto first = q.take_sendable(t0, ids);
  REQUIRE(first.size() == 3);  // max_in_flight
  std::vector<std::string> bytes;
  for (auto& s : first)
    bytes.push_back(*s.bytes);
  q.on_retriable(first[0].request_id, "not_leader", false, t0 + 100ms);
  q.on_ok(first[1].request_id, 11);  // the leader had batch 0 after all (a timeout)
  CHECK(q.take_sendable(t0 + 200ms, ids).empty());  // batch 2 still in flight
  q.on_retriable(first[2].request_id, "out_of_order_sequence", false, t0 + 100ms);
  collected out;
  collect(q.take_finished(t0 + 50ms), out);
  CHECK(out.order.empty());  // batch 0 first
  CHECK(q.take_sendable(t0 + 50ms, ids).empty());  // backoff
  auto again = q.take_sendable(t0 + 100ms, ids);
  REQUIRE(again.size() == 3);
  CHECK(*again[0].bytes == bytes[0]);  // same stamp: the leader deduplicates
  CHECK(*again[1].bytes == bytes[2]);
  CHECK(header_of(*again[2].bytes).base_sequence == 3);
  q.on_ok(again[1].request_id, 12);
  collect(q.take_finished(t0 + 100ms), out);
  CHECK(out.order.empty());
  q.on_ok(again[0].request_id, 10);
  q.on_ok(again[2].request_id, 13);
  collect(q.take_finished(t0 + 100ms), out);
  CHECK(out.order == std::vector<std::string>{"ok@10", "ok@11", "ok@12", "ok@13"});
  CHECK(q.empty());
}

TEST_CASE("giving up on a batch fails those that may be written and restamps the rest with the next epoch "
          "from sequence 0", "[producer]") {
  partition_queue q{"t-0", settings()};
  steady_time t0{};
  std::uint64_t ids = 0;
  for (int i = 0; i < 3; ++i) {
    auto at = i == 0 ? t0 : t0 + 500ms;  // batches 1 and 2 expire later
    q.append(rec("v" + std::to_string(i)), {}, at);
    q.seal_due(at, true);
  }
  auto sent = q.take_sendable(t0 + 500ms, ids);
  REQUIRE(sent.size() == 3);
  q.on_retriable(sent[0].request_id, "request_timeout", true, t0 + 10ms);   // may be written
  q.on_retriable(sent[1].request_id, "request_timeout", true, t0 + 10ms);   // may be written
  q.on_retriable(sent[2].request_id, "out_of_order_sequence", false, t0 + 10ms);  // refused
  q.append(rec("v3"), {}, t0 + 10ms);  // open, never sent
  collected out;
  // Past batch 0's delivery timeout, with nothing in flight: it fails, and
  // so does batch 1, which may be in the log under the old stamp; batch 2
  // was refused, so it is sent again under a new one.
  collect(q.take_finished(t0 + 1000ms), out);
  REQUIRE(out.order.size() == 2);
  CHECK(out.order[0].find("delivery timeout") != std::string::npos);
  CHECK(out.order[1].find("may or may not have been written") != std::string::npos);
  q.seal_due(t0 + 1000ms, true);
  auto resent = q.take_sendable(t0 + 1000ms, ids);
  REQUIRE(resent.size() == 2);
  auto h2 = header_of(*resent[0].bytes);
  auto h3 = header_of(*resent[1].bytes);
  CHECK(h2.producer_epoch == 1);
  CHECK(h2.base_sequence == 0);
  CHECK(h3.producer_epoch == 1);
  CHECK(h3.base_sequence == 1);
  q.on_ok(resent[0].request_id, 5);
  q.on_ok(resent[1].request_id, 6);
  collect(q.take_finished(t0 + 1000ms), out);
  CHECK(out.order.size() == 4);
  CHECK(out.order[2] == "ok@5");
  CHECK(out.order[3] == "ok@6");
}

TEST_CASE("without a producer id a partition queue sends unstamped batches and a fatal error fails only its "
          "batch", "[producer]") {
  auto s = settings();
  s.producer_id = -1;
  partition_queue q{"t-0", s};
  steady_time t0{};
  std::uint64_t ids = 0;
  q.append(rec("a"), {}, t0);
  q.seal_due(t0, true);
  q.append(rec("b"), {}, t0);
  q.seal_due(t0, true);
  auto sent = q.take_sendable(t0, ids);
  REQUIRE(sent.size() == 2);
  CHECK(header_of(*sent[0].bytes).producer_id == -1);
  q.on_fatal(sent[0].request_id, "invalid_batch: too big");
  q.on_ok(sent[1].request_id, 3);
  collected out;
  collect(q.take_finished(t0), out);
  CHECK(out.order == std::vector<std::string>{"invalid_batch: too big", "ok@3"});
}
