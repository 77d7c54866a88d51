#include "state/partition/replica.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/record_batch_layout.hpp"
#include "state/log/batch_header.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/replica_cluster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using namespace rivulet::raft;
using rivulet::testing::split;
using rivulet::testing::stored_batch;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;
using cluster = rivulet::testing::replica_cluster;

namespace {

namespace layout = rivulet::batch_format::layout;

// `stored` equals `original` except the base offset and leader epoch fields.
bool same_but_offset_and_epoch(std::string stored, std::string original) {
  for (auto* b : {&stored, &original}) {
    b->replace(layout::base_offset, 8, 8, '\0');
    b->replace(layout::partition_leader_epoch, 4, 4, '\0');
  }
  return stored == original;
}

// What the test produced and what the leader acknowledged (acks=all).
struct producer {
  int next = 0;
  std::vector<std::string> sent;        // in production order
  std::vector<stored_batch> acked;      // as read from the leader at ack time
  std::vector<std::pair<log_index, term_id>> pending; // produced, not yet acked

  // Produces one batch on `c`'s leader and delivers; returns its index.
  log_index produce(cluster& c, int l) {
    auto batch = make_batch(1 + next % 3, 16, 1000 + next);
    ++next;
    auto r = c.at(l).produce(batch);
    INFO(r.error().to_string());
    REQUIRE(r.ok());
    sent.push_back(batch);
    CHECK(r->term == c.at(l).term());
    CHECK_FALSE(r->duplicate);
    pending.emplace_back(r->index, r->term);
    c.collect(l);
    c.deliver();
    take_acks(c, l);
    return r->index;
  }

  void take_acks(cluster& c, int l) {
    for (const auto& a : c.at(l).take_committed()) {
      // Acks come in produce order, each for the (index, term) produce gave.
      REQUIRE_FALSE(pending.empty());
      CHECK(pending.front() == std::make_pair(a.index, a.term));
      pending.erase(pending.begin());
      REQUIRE(a.last_offset < c.at(l).high_watermark());
      auto bytes = c.at(l).fetch(a.base_offset, 1);
      REQUIRE(bytes.ok());
      auto batches = split(*bytes);
      REQUIRE(batches.size() == 1);
      CHECK(batches[0].base_offset == a.base_offset);
      CHECK(batches[0].last_offset == a.last_offset);
      acked.push_back(batches[0]);
    }
  }
};

// Checks the log of fetched bytes: dense offsets from 0, no-ops are raft
// control batches, data batches are `sent` in order (each once, given no
// produce was lost); returns how many data batches it holds.
std::size_t check_log(const std::string& bytes, const std::vector<std::string>& sent) {
  std::int64_t expect = 0;
  std::size_t data = 0;
  for (const auto& b : split(bytes)) {
    CHECK(b.base_offset == expect);
    expect = b.last_offset + 1;
    if (is_raft_noop_batch(b.bytes))
      continue;
    REQUIRE(data < sent.size());
    CHECK(same_but_offset_and_epoch(b.bytes, sent[data]));
    ++data;
  }
  return data;
}

} // namespace

TEST_CASE("a three-replica partition elects a leader, commits every batch on all replicas "
          "and survives a follower restart and a leader crash",
          "[state][partition]") {
  cluster c;
  int l = c.elect();
  producer p;

  SECTION("50 batches commit everywhere and every replica serves the same bytes") {
    for (int i = 0; i < 50; ++i)
      p.produce(c, l);
    c.run_until([&] { return c.converged(); });
    p.take_acks(c, l);
    CHECK(p.acked.size() == 50);
    auto bytes = c.fetch_all(l);
    CHECK(check_log(bytes, p.sent) == 50);
    for (int i = 0; i < cluster::size; ++i)
      CHECK(c.fetch_all(i) == bytes);
  }

  SECTION("a follower reopened from disk catches up to identical log bytes") {
    for (int i = 0; i < 20; ++i)
      p.produce(c, l);
    int f = (l + 1) % cluster::size;
    c.close(f);
    for (int i = 0; i < 15; ++i)
      p.produce(c, l); // still committed by a majority of two
    CHECK(p.acked.size() == 35);
    c.open(f);
    CHECK(c.at(f).log_end_offset() < c.at(l).log_end_offset());
    for (int i = 0; i < 15; ++i)
      p.produce(c, l);
    c.run_until([&] { return c.converged(); });
    CHECK(c.leader() == l);
    auto bytes = c.fetch_all(l);
    CHECK(check_log(bytes, p.sent) == 50);
    CHECK(c.fetch_all(f) == bytes);
    CHECK(c.at(f).log_end_offset() == c.at(l).log_end_offset());
  }

  SECTION("after a leader crash no acknowledged batch is lost and produce continues") {
    for (int i = 0; i < 25; ++i)
      p.produce(c, l);
    std::size_t acked_before = p.acked.size();
    CHECK(acked_before == 25);
    // Two proposals the old leader persists but never sends: not acknowledged,
    // so the next leader may (and here will) drop them.
    for (int i = 0; i < 2; ++i) {
      REQUIRE(c.at(l).produce(make_batch(2, 8, 9000 + i)).ok());
      c.at(l).pump(); // persisted locally; the messages are lost in the crash
    }
    CHECK(c.at(l).take_committed().empty());
    auto old_leader_end = c.at(l).log_end_offset();
    auto old_term = c.at(l).term();
    c.close(l);

    int nl = c.elect();
    CHECK(nl != l);
    CHECK(c.at(nl).term() > old_term);
    // What it applied as a follower are the old leader's acks, counted there.
    auto as_follower = c.at(nl).take_committed();
    CHECK(as_follower.size() == 25);
    for (int i = 0; i < 25; ++i)
      p.produce(c, nl);
    c.run_until([&] { return c.converged(); });
    CHECK(p.acked.size() == 50);

    c.open(l); // recovers its log; raft truncates the unacknowledged tail
    CHECK(c.at(l).log_end_offset() == old_leader_end);
    c.run_until([&] { return c.converged() && c.up(l); });

    auto bytes = c.fetch_all(nl);
    CHECK(check_log(bytes, p.sent) == 50);
    for (int i = 0; i < cluster::size; ++i)
      CHECK(c.fetch_all(i) == bytes);
    // Every acknowledged batch is still at its offsets, byte for byte.
    for (const auto& a : p.acked) {
      auto r = c.at(l).fetch(a.base_offset, 1);
      REQUIRE(r.ok());
      auto got = split(*r);
      REQUIRE(got.size() == 1);
      CHECK(got[0].bytes == a.bytes);
    }
  }

  SECTION("produce on a follower fails and names the leader") {
    int f = (l + 2) % cluster::size;
    c.run_until([&] { return c.at(f).leader() == node_id{l + 1}; });
    auto r = c.at(f).produce(make_batch(1, 8, 1));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == replica_errc::not_leader);
    CHECK_THAT(r.error().message(),
               Catch::Contains("leader: node " + std::to_string(l + 1)));
  }
}

TEST_CASE("a replica restores its term, vote and commit from disk", "[state][partition]") {
  temp_dir tmp;
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}};
  cfg.group = group_id{3};
  std::int64_t hw = 0;
  term_id term;
  {
    auto r = partition_replica::open(tmp.path(), cfg);
    REQUIRE(r.ok());
    auto& rep = *r;
    for (int i = 0; i < 50 && !rep.is_leader(); ++i) {
      rep.tick();
      CHECK(rep.pump().empty());
    }
    REQUIRE(rep.is_leader());
    auto idx = rep.produce(make_batch(3, 10, 5));
    REQUIRE(idx.ok());
    rep.pump();
    auto acks = rep.take_committed();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0] == committed{idx->index, rep.term(), 1, 3}); // offset 0 is the leader's no-op
    hw = rep.high_watermark();
    CHECK(hw == 4);
    term = rep.term();
  }
  auto r = partition_replica::open(tmp.path(), cfg);
  REQUIRE(r.ok());
  CHECK(r->term() == term);
  CHECK(r->high_watermark() == hw);
  CHECK(r->node().commit_index() == log_index{2});
  CHECK(r->take_committed().empty()); // nothing is re-reported after a restart
}

TEST_CASE("fetch serves only committed offsets and refuses offsets below the log start",
          "[state][partition]") {
  temp_dir tmp;
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}, node_id{2}}; // the peer never answers: nothing commits
  cfg.group = group_id{1};
  auto r = partition_replica::open(tmp.path(), cfg);
  REQUIRE(r.ok());
  CHECK(r->fetch(0, all)->empty());
  CHECK(r->fetch(100, all)->empty());
  auto below = r->fetch(-1, all);
  REQUIRE_FALSE(below.ok());
  CHECK(below.error().code() == replica_errc::offset_out_of_range);
  CHECK_THAT(below.error().message(), Catch::Contains("offset out of range"));
  auto p = r->produce(make_batch(1, 8, 1));
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code() == replica_errc::not_leader);
  CHECK_THAT(p.error().message(), Catch::Contains("leader: unknown"));
}

TEST_CASE("a leader refuses bytes that are not one producer record batch", "[state][partition]") {
  temp_dir tmp;
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}};
  auto r = partition_replica::open(tmp.path(), cfg);
  REQUIRE(r.ok());
  for (int i = 0; i < 50 && !r->is_leader(); ++i) {
    r->tick();
    r->pump();
  }
  REQUIRE(r->is_leader());
  CHECK(r->produce("garbage").error().code() == replica_errc::invalid_batch);
  CHECK(r->produce(raft_noop_batch(term_id{1})).error().code() == replica_errc::invalid_batch);
  r->pump();
  CHECK(r->health().ok()); // the replica keeps running
  REQUIRE(r->produce(make_batch(1, 8, 1)).ok());
  r->pump();
  CHECK(r->high_watermark() == 2);
}
