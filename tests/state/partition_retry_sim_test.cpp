// Idempotent producers against the deterministic three-replica partition
// with injected faults: random resends of in-flight batches, lost
// acknowledgements, leaders crashing before or after they send. Whatever
// the seed, the log holds every producer's batches once and in order.

#include "state/partition/replica.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/log_test_batches.hpp"
#include "tests/support/replica_cluster.hpp"

using namespace rivulet::state;
using namespace rivulet::raft;
using rivulet::testing::split;
using namespace rivulet::testing::log_batches;
using cluster = rivulet::testing::replica_cluster;

namespace {

// One batch as its producer sees it.
struct client_batch {
  std::string bytes;
  std::vector<produce_outcome> outcomes; // every accepted send, new or duplicate
  bool acked = false;                    // the producer saw the acknowledgement
  bool failed = false;                   // refused for good (see flush)
};

// An idempotent producer with at most 5 batches in flight, like Kafka's.
struct client {
  std::int64_t id = 0;
  std::vector<client_batch> batches;
  std::int32_t next_seq = 0;

  // Index of the first batch neither acknowledged nor failed.
  std::size_t first_in_flight() const {
    std::size_t k = 0;
    while (k < batches.size() && (batches[k].acked || batches[k].failed))
      ++k;
    return k;
  }
  bool may_send_new() const {
    return batches.size() - first_in_flight() < 5;
  }
};

struct sim_stats {
  int duplicates = 0;
  int out_of_order = 0;
  int crashes = 0;
};

// True when some live replica has entry (index, term) below its high watermark.
bool committed_anywhere(cluster& c, const produce_outcome& o) {
  for (int i = 0; i < cluster::size; ++i) {
    if (!c.up(i))
      continue;
    auto pos = c.at(i).storage().position(o.index);
    if (pos && pos->term == o.term && c.at(i).high_watermark() > pos->last_offset)
      return true;
  }
  return false;
}

// Sends batch `k` of `p` to leader `l`; returns the error code (ok on success).
replica_errc send(cluster& c, int l, client& p, std::size_t k, sim_stats& stats) {
  auto r = c.at(l).produce(p.batches[k].bytes);
  if (!r.ok()) {
    stats.out_of_order += r.error().code() == replica_errc::out_of_order_sequence;
    return r.error().code();
  }
  stats.duplicates += r->duplicate;
  p.batches[k].outcomes.push_back(*r);
  return replica_errc::ok;
}

void run_seed(std::uint64_t seed, sim_stats& stats) {
  cluster c{seed};
  std::mt19937_64 rng{seed};
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  std::vector<client> clients(3);
  for (std::size_t i = 0; i < clients.size(); ++i)
    clients[i].id = 100 + static_cast<std::int64_t>(i);
  int down = -1; // the replica that crashed, until step down_until
  int down_until = 0;

  for (int step = 0; step < 60; ++step) {
    if (down >= 0 && step >= down_until) {
      c.open(down);
      down = -1;
    }
    c.round();
    auto l = c.leader();
    if (!l)
      continue;
    if (down < 0 && chance(3)) { // the leader crashes between requests
      c.close(*l);
      down = *l;
      down_until = step + 3 + static_cast<int>(rng() % 8);
      ++stats.crashes;
      continue;
    }
    auto& p = clients[rng() % clients.size()];
    auto from = p.first_in_flight();
    bool resend = from < p.batches.size() && (chance(35) || !p.may_send_new());
    std::size_t k = 0;
    if (resend) {
      k = from + rng() % (p.batches.size() - from);
    } else {
      int records = 1 + static_cast<int>(rng() % 3);
      auto ts = static_cast<std::int64_t>(p.id * 100000 + p.next_seq);
      client_batch b;
      b.bytes = with_producer(make_batch(records, 12, ts), p.id, 0, p.next_seq);
      p.batches.push_back(std::move(b));
      p.next_seq += records;
      k = p.batches.size() - 1;
    }
    auto code = send(c, *l, p, k, stats);
    REQUIRE(code != replica_errc::invalid_producer_epoch);
    if (down < 0 && chance(8)) { // the leader crashes after persisting, before sending
      c.at(*l).pump();
      c.close(*l);
      down = *l;
      down_until = step + 3 + static_cast<int>(rng() % 8);
      ++stats.crashes;
      continue;
    }
    c.collect(*l);
    c.deliver();
    // Acknowledgements the producers see; the others are lost (and resent).
    for (auto& q : clients)
      for (auto& b : q.batches)
        if (!b.acked && chance(50))
          for (const auto& o : b.outcomes)
            b.acked = b.acked || committed_anywhere(c, o);
  }

  // Heal, then each producer resends what is in flight, in order, until the
  // partition takes it. A refusal of the first in-flight batch is final: the
  // producer's earlier batches were lost while the partition did not know it,
  // so a later one started its sequence (Kafka reports that batch failed).
  if (down >= 0)
    c.open(down);
  for (auto& p : clients) {
    for (auto k = p.first_in_flight(); k < p.batches.size(); ++k) {
      for (int attempt = 0;; ++attempt) {
        REQUIRE(attempt < 200);
        int l = c.elect();
        auto code = send(c, l, p, k, stats);
        c.collect(l);
        c.deliver();
        if (code == replica_errc::ok)
          break;
        if (code == replica_errc::out_of_order_sequence && k == p.first_in_flight()) {
          p.batches[k].failed = true;
          break;
        }
        REQUIRE((code == replica_errc::not_leader || code == replica_errc::transfer_in_progress));
        c.round();
      }
    }
  }
  c.run_until([&] {
    if (!c.converged())
      return false;
    for (auto& p : clients)
      for (auto& b : p.batches)
        for (const auto& o : b.outcomes)
          b.acked = b.acked || (!b.failed && committed_anywhere(c, o));
    return true;
  });

  // Every replica holds the same log and the same producer table.
  int l = *c.leader();
  auto bytes = c.fetch_all(l);
  for (int i = 0; i < cluster::size; ++i) {
    CHECK(c.fetch_all(i) == bytes);
    for (const auto& p : clients) {
      const auto* mine = c.at(i).producers().find(p.id);
      const auto* theirs = c.at(l).producers().find(p.id);
      REQUIRE((mine == nullptr) == (theirs == nullptr));
      if (!mine)
        continue;
      CHECK(mine->epoch == theirs->epoch);
      REQUIRE(mine->batches.size() == theirs->batches.size());
      for (std::size_t j = 0; j < mine->batches.size(); ++j) {
        CHECK(mine->batches[j].index == theirs->batches[j].index);
        CHECK(mine->batches[j].term == theirs->batches[j].term);
        CHECK(mine->batches[j].base_offset == theirs->batches[j].base_offset);
        CHECK(mine->batches[j].first_seq == theirs->batches[j].first_seq);
      }
    }
  }
  // Per producer: exactly its batches that did not fail, once each, in order.
  std::vector<std::vector<std::string>> in_log(clients.size());
  for (const auto& b : split(bytes)) {
    auto pb = producer_batch::of(decode_batch_header(b.bytes.data()));
    if (!pb.idempotent())
      continue;
    REQUIRE(pb.producer_id >= 100);
    REQUIRE(pb.producer_id < 100 + static_cast<std::int64_t>(clients.size()));
    auto copy = b.bytes;
    copy.replace(0, 8, 8, '\0');  // base offset
    copy.replace(12, 4, 4, '\0'); // leader epoch
    in_log[static_cast<std::size_t>(pb.producer_id - 100)].push_back(copy);
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    std::vector<std::string> expected;
    bool failing_prefix = true;
    for (const auto& b : clients[i].batches) {
      // Only batches lost before the partition knew the producer can fail.
      CHECK((!b.failed || failing_prefix));
      failing_prefix = failing_prefix && b.failed;
      if (b.failed)
        continue;
      CHECK(b.acked);
      auto copy = b.bytes;
      copy.replace(12, 4, 4, '\0');
      expected.push_back(copy);
    }
    CHECK(in_log[i] == expected);
  }
}

} // namespace

TEST_CASE("injected retries, lost acknowledgements and leader crashes leave each producer's "
          "batches in the log once and in order",
          "[state][idempotence]") {
  sim_stats stats;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    INFO("seed " << seed);
    run_seed(seed, stats);
  }
  // The faults happened: retries were dropped as duplicates, leaders crashed.
  CHECK(stats.duplicates > 50);
  CHECK(stats.crashes > 20);
  CHECK(stats.out_of_order > 0);
}
