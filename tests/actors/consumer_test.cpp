// The native consumer against a 3-node embedded cluster: manual assignment
// reads everything exactly once and in order, poll long-polls, seek and
// position, auto_offset_reset, and consumer groups that share partitions,
// commit offsets and take over a departed member's partitions; a consumer
// keeps reading when a partition's leader dies.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/consumer.hpp"
#include "actors/producer.hpp"
#include "tests/support/cluster_fixture.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

producer_config producer_for(cluster_fixture& f) {
  producer_config pc;
  pc.bootstrap = f.cluster->running();
  pc.request_timeout = 2s;
  pc.retry_backoff = 20ms;
  return pc;
}

consumer_config consumer_for(cluster_fixture& f, consumer_config::offset_reset reset) {
  consumer_config cc;
  cc.bootstrap = f.cluster->running();
  cc.auto_offset_reset = reset;
  cc.request_timeout = 2s;
  cc.retry_backoff = 20ms;
  cc.fetch_max_wait = 200ms;
  return cc;
}

/// Sends `values` to (topic, partition key) and waits for every ack;
/// returns the offsets.
std::vector<std::int64_t> produce_all(producer& p, const std::string& topic, const std::optional<std::string>& key,
                                      const std::vector<std::string>& values) {
  std::vector<std::future<delivery>> futures;
  for (auto& v : values)
    futures.push_back(p.send(topic, key, v));
  std::vector<std::int64_t> offsets;
  for (auto& fut : futures) {
    auto d = fut.get();
    INFO(d.error);
    REQUIRE(d.ok());
    offsets.push_back(d.offset);
  }
  return offsets;
}

/// Polls until `n` records arrived or `limit` passed.
std::vector<consumer_record> poll_until(consumer& c, std::size_t n, std::chrono::milliseconds limit = 20s) {
  std::vector<consumer_record> out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto got = c.poll(200ms);
    out.insert(out.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
  }
  return out;
}

std::vector<std::string> values_of(const std::vector<consumer_record>& records) {
  std::vector<std::string> out;
  for (auto& r : records)
    out.push_back(r.value.value_or("<null>"));
  return out;
}

} // namespace

TEST_CASE("10k records produced with acks=all are read back exactly once and in order by a consumer with "
          "manual assign", "[consumer][producer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "stream", 3, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("stream", 3); }));
  constexpr int total = 10000;
  std::map<std::int32_t, std::vector<std::string>> sent;  // per partition, in send order
  {
    producer p{*f.sys, producer_for(f)};
    std::vector<std::future<delivery>> futures;
    for (int i = 0; i < total; ++i)
      futures.push_back(p.send("stream", "key-" + std::to_string(i % 57), std::to_string(i)));
    for (int i = 0; i < total; ++i) {
      auto d = futures[static_cast<std::size_t>(i)].get();
      INFO(d.error);
      REQUIRE(d.ok());
      sent[d.partition].push_back(std::to_string(i));
    }
  }
  auto cc = consumer_for(f, consumer_config::offset_reset::earliest);
  cc.fetch_max_bytes = 16 * 1024;  // many fetches per partition
  consumer c{*f.sys, cc};
  c.assign({{"stream", 0}, {"stream", 1}, {"stream", 2}});
  auto got = poll_until(c, total);
  REQUIRE(got.size() == total);
  std::map<std::int32_t, std::vector<consumer_record>> by_partition;
  for (auto& r : got) {
    CHECK(r.topic == "stream");
    by_partition[r.partition].push_back(r);
  }
  for (auto& [partition, records] : by_partition) {
    CHECK(values_of(records) == sent[partition]);
    for (std::size_t i = 1; i < records.size(); ++i)
      CHECK(records[i].offset > records[i - 1].offset);
    REQUIRE(!records.empty());
    CHECK(c.position({"stream", partition}) == records.back().offset + 1);
  }
  // Nothing more, and nothing twice.
  CHECK(c.poll(300ms).empty());
}

TEST_CASE("poll long-polls: a record produced after the poll began comes back before the poll's timeout",
          "[consumer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "quiet", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("quiet", 1); }));
  auto cc = consumer_for(f, consumer_config::offset_reset::latest);
  cc.fetch_max_wait = 8s;  // an answer at the fetch's expiry would take 8 s
  consumer c{*f.sys, cc};
  c.assign({{"quiet", 0}});
  REQUIRE(c.position({"quiet", 0}, 10s));
  // An empty poll waits out its timeout.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.poll(300ms).empty());
  CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
  producer p{*f.sys, producer_for(f)};
  std::atomic<bool> polling{false};
  std::vector<consumer_record> got;
  std::chrono::steady_clock::duration waited{};
  std::thread poller{[&] {
    polling = true;
    auto start = std::chrono::steady_clock::now();
    got = c.poll(20s);
    waited = std::chrono::steady_clock::now() - start;
  }};
  REQUIRE(eventually([&] { return polling.load(); }));
  auto d = p.send("quiet", std::nullopt, "wake up").get();
  REQUIRE(d.ok());
  poller.join();
  REQUIRE(got.size() == 1);
  CHECK(got[0].value == "wake up");
  CHECK(got[0].offset == d.offset);
  CHECK(waited < 4s);
}

TEST_CASE("seek, seek_to_beginning, seek_to_end and position move where poll reads", "[consumer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "seekable", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("seekable", 1); }));
  producer p{*f.sys, producer_for(f)};
  auto offsets = produce_all(p, "seekable", std::nullopt, values("r", 0, 100));
  topic_partition tp{"seekable", 0};
  consumer c{*f.sys, consumer_for(f, consumer_config::offset_reset::earliest)};
  CHECK_FALSE(c.seek(tp, 0));  // not assigned yet
  CHECK_FALSE(c.position(tp, 100ms));
  c.assign({tp});
  auto start = c.position(tp);
  REQUIRE(start);
  CHECK(*start == 0);  // the log start
  auto all = poll_until(c, 100);
  REQUIRE(values_of(all) == values("r", 0, 100));
  CHECK(c.position(tp) == offsets.back() + 1);
  // seek to the 50th record's offset: poll resumes there.
  REQUIRE(c.seek(tp, offsets[50]));
  CHECK(c.position(tp) == offsets[50]);
  auto tail = poll_until(c, 50);
  CHECK(values_of(tail) == values("r", 50, 100));
  CHECK(tail.front().offset == offsets[50]);
  // Back to the beginning: everything again.
  c.seek_to_beginning();
  CHECK(c.position(tp) == 0);
  CHECK(values_of(poll_until(c, 100)) == values("r", 0, 100));
  // To the end: nothing until new records arrive.
  c.seek(tp, offsets[10]);
  c.seek_to_end({tp});
  CHECK(c.position(tp) == offsets.back() + 1);
  CHECK(c.poll(300ms).empty());
  produce_all(p, "seekable", std::nullopt, {"new"});
  CHECK(values_of(poll_until(c, 1)) == std::vector<std::string>{"new"});
}

TEST_CASE("auto_offset_reset earliest reads from the log start, latest only what comes after", "[consumer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "resets", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("resets", 1); }));
  producer p{*f.sys, producer_for(f)};
  produce_all(p, "resets", std::nullopt, values("old", 0, 20));
  topic_partition tp{"resets", 0};
  consumer early{*f.sys, consumer_for(f, consumer_config::offset_reset::earliest)};
  consumer late{*f.sys, consumer_for(f, consumer_config::offset_reset::latest)};
  early.assign({tp});
  late.assign({tp});
  REQUIRE(late.position(tp));
  CHECK(values_of(poll_until(early, 20)) == values("old", 0, 20));
  CHECK(late.poll(300ms).empty());
  produce_all(p, "resets", std::nullopt, values("new", 0, 5));
  CHECK(values_of(poll_until(late, 5)) == values("new", 0, 5));
  CHECK(values_of(poll_until(early, 5)) == values("new", 0, 5));
}

namespace {

void quick_groups(embedded_cluster_config& ec) {
  ec.groups.min_session_timeout_ms = 500;
  ec.groups.initial_rebalance_delay_ms = 100;
}

consumer_config member_for(cluster_fixture& f, const std::string& group, consumer_config::assignor a) {
  auto cc = consumer_for(f, consumer_config::offset_reset::earliest);
  cc.group_id = group;
  cc.assignment_strategy = a;
  cc.session_timeout = 3s;
  cc.heartbeat_interval = 100ms;
  cc.rebalance_timeout = 5s;
  return cc;
}

std::set<topic_partition> assigned(consumer& c) {
  auto a = c.assignment();
  return {a.begin(), a.end()};
}

} // namespace

TEST_CASE("group members share a topic's partitions, commit offsets, and a survivor takes over a departed "
          "member's partitions from the committed offsets", "[consumer][group]") {
  auto strategy = GENERATE(consumer_config::assignor::range, consumer_config::assignor::round_robin,
                           consumer_config::assignor::cooperative_sticky);
  cluster_fixture f{quick_groups};
  REQUIRE(f.create(1, "jobs", 4, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("jobs", 4); }));
  producer p{*f.sys, producer_for(f)};
  for (int k = 0; k < 4; ++k)
    produce_all(p, "jobs", "key" + std::to_string(k), values("a" + std::to_string(k) + "-", 0, 25));
  auto a = std::make_unique<consumer>(*f.sys, member_for(f, "workers", strategy));
  consumer b{*f.sys, member_for(f, "workers", strategy)};
  REQUIRE(a->subscribe({"jobs"}));
  REQUIRE(b.subscribe({"jobs"}));
  // Both members get two partitions each, together all four.
  std::vector<consumer_record> from_a, from_b;
  REQUIRE(eventually([&] {
    auto got_a = a->poll(10ms);
    auto got_b = b.poll(10ms);
    from_a.insert(from_a.end(), got_a.begin(), got_a.end());
    from_b.insert(from_b.end(), got_b.begin(), got_b.end());
    auto sa = assigned(*a);
    auto sb = assigned(b);
    if (sa.size() != 2 || sb.size() != 2)
      return false;
    std::set<topic_partition> all = sa;
    all.insert(sb.begin(), sb.end());
    return all.size() == 4 && a->generation() == b.generation();
  }, 30s));
  INFO("member a " << a->member_id() << ", member b " << b.member_id());
  // Read everything there is; each record once across the two members.
  REQUIRE(eventually([&] {
    auto got_a = a->poll(10ms);
    auto got_b = b.poll(10ms);
    from_a.insert(from_a.end(), got_a.begin(), got_a.end());
    from_b.insert(from_b.end(), got_b.begin(), got_b.end());
    return from_a.size() + from_b.size() >= 100;
  }, 30s));
  std::set<std::pair<std::int32_t, std::int64_t>> seen;
  for (auto* records : {&from_a, &from_b})
    for (auto& r : *records)
      CHECK(seen.insert({r.partition, r.offset}).second);
  CHECK(seen.size() == 100);
  // Commit; the committed offsets are the positions.
  REQUIRE(a->commit_sync().empty());
  REQUIRE(b.commit_sync().empty());
  for (auto& tp : assigned(*a))
    CHECK(a->committed(tp) == a->position(tp));
  // Records produced now, then member a leaves: b ends up with all four
  // partitions and reads a's share from a's committed offsets, nothing
  // older. An eager rebalance also sends b back to its own committed
  // offsets (it revokes everything), so b may read its own new records
  // twice; cooperative-sticky keeps b's partitions and reads each once.
  for (int k = 0; k < 4; ++k)
    produce_all(p, "jobs", "key" + std::to_string(k), values("b" + std::to_string(k) + "-", 0, 5));
  a.reset();
  std::vector<consumer_record> later;
  std::set<std::pair<std::int32_t, std::int64_t>> again;
  REQUIRE(eventually([&] {
    for (auto& r : b.poll(10ms)) {
      again.insert({r.partition, r.offset});
      later.push_back(std::move(r));
    }
    return assigned(b).size() == 4 && again.size() >= 20;
  }, 30s));
  CHECK(again.size() == 20);
  for (auto& r : later)
    CHECK(r.value->at(0) == 'b');  // nothing committed is read again
  if (strategy == consumer_config::assignor::cooperative_sticky)
    CHECK(later.size() == 20);
}

TEST_CASE("commits need a group, and a manual consumer with a group id starts from committed offsets",
          "[consumer][group]") {
  cluster_fixture f{quick_groups};
  REQUIRE(f.create(1, "ledger", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("ledger", 1); }));
  producer p{*f.sys, producer_for(f)};
  auto offsets = produce_all(p, "ledger", std::nullopt, values("e", 0, 30));
  topic_partition tp{"ledger", 0};
  {
    consumer plain{*f.sys, consumer_for(f, consumer_config::offset_reset::earliest)};
    CHECK_FALSE(plain.subscribe({"ledger"}));
    CHECK_FALSE(plain.commit_sync({{tp, 3}}).empty());
  }
  auto cc = consumer_for(f, consumer_config::offset_reset::earliest);
  cc.group_id = "auditors";
  {
    consumer first{*f.sys, cc};
    first.assign({tp});
    REQUIRE(values_of(poll_until(first, 10)).size() >= 10);
    REQUIRE(first.commit_sync({{tp, offsets[10]}}) == "");
    CHECK(first.committed(tp) == offsets[10]);
  }
  consumer second{*f.sys, cc};
  second.assign({tp});
  CHECK(second.position(tp, 10s) == offsets[10]);
  CHECK(values_of(poll_until(second, 20)) == values("e", 10, 30));
}

namespace {

/// The partition's leader as a running node names it (0 while unknown or
/// not running), with the high watermark that leader reported.
std::pair<std::int64_t, std::int64_t> leader_of(cluster_fixture& f, const std::string& topic, std::int32_t p) {
  for (auto id : f.cluster->ids()) {
    auto md = f.metadata(id, {topic});
    if (!md || md->topics.size() != 1 || md->topics[0].partitions.size() <= static_cast<std::size_t>(p))
      continue;
    auto& pm = md->topics[0].partitions[static_cast<std::size_t>(p)];
    if (pm.leader != 0 && f.cluster->node(pm.leader))
      return {pm.leader, pm.high_watermark};
  }
  return {0, -1};
}

} // namespace

TEST_CASE("a consumer with manual assign keeps reading a partition after its leader's node is killed, and its "
          "position passes the no-op the new leader appends", "[consumer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "failover", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("failover", 1); }));
  producer p{*f.sys, producer_for(f)};
  auto before = produce_all(p, "failover", std::nullopt, values("a", 0, 100));
  topic_partition tp{"failover", 0};
  auto cc = consumer_for(f, consumer_config::offset_reset::earliest);
  cc.request_timeout = 10s;
  consumer c{*f.sys, cc};
  c.assign({tp});
  REQUIRE(values_of(poll_until(c, 100)) == values("a", 0, 100));
  CHECK(c.position(tp) == before.back() + 1);
  // The consumer's next fetch is now parked at the leader (long poll).
  auto old_leader = leader_of(f, "failover", 0).first;
  REQUIRE(old_leader != 0);
  f.cluster->kill(old_leader);
  auto killed_at = std::chrono::steady_clock::now();
  // A new leader commits a no-op (a control batch, no record) after the
  // last record, so the high watermark moves one past it.
  std::int64_t end = -1;
  REQUIRE(eventually([&] {
    auto [leader, hw] = leader_of(f, "failover", 0);
    end = hw;
    return leader != 0 && leader != old_leader && hw > before.back() + 1;
  }));
  // Having read every record, the consumer's position moves past the no-op
  // to the high watermark, where seek_to_end puts a fresh consumer too.
  REQUIRE(eventually([&] {
    CHECK(c.poll(20ms).empty());
    return c.position(tp) == end;
  }));
  // Long before the parked fetch's request timeout: the consumer sees the
  // leader's node go down and asks the new leader at once.
  CHECK(std::chrono::steady_clock::now() - killed_at < 5s);
  consumer fresh{*f.sys, consumer_for(f, consumer_config::offset_reset::earliest)};
  fresh.assign({tp});
  fresh.seek_to_end();
  CHECK(fresh.position(tp) == end);
  // Records produced to the new leader come next, each exactly once.
  auto after = produce_all(p, "failover", std::nullopt, values("b", 0, 100));
  auto got = poll_until(c, 100);
  CHECK(values_of(got) == values("b", 0, 100));
  REQUIRE(!got.empty());
  CHECK(got.front().offset == after.front());
  CHECK(c.position(tp) == after.back() + 1);
  CHECK(c.poll(300ms).empty());
}
