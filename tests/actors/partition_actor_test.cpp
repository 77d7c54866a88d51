// Three partition actors replicate a partition over raft: produce with
// acks=all, fetch, and no acknowledged batch lost when the leader dies.
// Threaded runtime; every wait has a deadline.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/executor.hpp"
#include "actors/partition_actor.hpp"
#include "actors/type_ids.hpp"
#include "state/log/raft_segment_storage.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/replica_group.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace std::chrono_literals;
using rivulet::testing::log_batches::batches_in;
using rivulet::testing::log_batches::make_batch;

namespace {

struct cluster {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  rivulet::testing::temp_dir dir;
  std::map<std::int64_t, caf::actor> replicas;

  cluster() {
    configure_system(cfg, job_config{});
    sys.emplace(cfg);
    for (auto& pc : rivulet::testing::three_replicas(dir.path(), 7, 40))
      replicas.emplace(pc.replica.id.value, spawn_partition_actor(*sys, pc));
    peers_msg peers;
    for (auto& [id, a] : replicas) {
      peers.ids.push_back(id);
      peers.replicas.push_back(a);
    }
    caf::scoped_actor self{*sys};
    for (auto& [id, a] : replicas)
      self->send(a, peers);
  }

  ~cluster() {
    caf::scoped_actor self{*sys};
    for (auto& [id, a] : replicas)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    replicas.clear();
  }

  std::optional<replica_status> status(std::int64_t id) {
    caf::scoped_actor self{*sys};
    std::optional<replica_status> out;
    self->request(replicas.at(id), 1s, status_atom_v)
      .receive([&](const replica_status& s) { out = s; }, [](const caf::error&) {});
    return out;
  }

  /// Asks the replicas, round after round, until one reports itself leader
  /// (deadline 15 s).
  std::int64_t wait_for_leader() {
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& [id, a] : replicas)
        if (auto s = status(id); s && s->leader == id)
          return id;
    }
    return 0;
  }

  produce_reply produce(std::int64_t id, std::string batch) {
    caf::scoped_actor self{*sys};
    produce_reply out;
    self->request(replicas.at(id), 5s, produce_request{std::move(batch), -1})
      .receive([&](const produce_reply& r) { out = r; },
               [&](const caf::error& e) { out.error = caf::to_string(e); });
    return out;
  }

  fetch_reply fetch(std::int64_t id, std::int64_t offset) {
    caf::scoped_actor self{*sys};
    fetch_reply out;
    self->request(replicas.at(id), 5s, fetch_request{offset, 64 << 20})
      .receive([&](const fetch_reply& r) { out = r; },
               [&](const caf::error& e) { out.error = caf::to_string(e); });
    return out;
  }
};

/// (base, last) offsets of the data batches (raft no-ops left out) in `bytes`.
std::vector<std::pair<std::int64_t, std::int64_t>> data_batches(const std::string& bytes) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  std::size_t pos = 0;
  for (auto [base, last] : batches_in(bytes)) {
    auto len = static_cast<std::size_t>(
                 (static_cast<unsigned char>(bytes[pos + 8]) << 24) | (static_cast<unsigned char>(bytes[pos + 9]) << 16)
                 | (static_cast<unsigned char>(bytes[pos + 10]) << 8) | static_cast<unsigned char>(bytes[pos + 11]))
               + 12;
    if (!state::is_raft_noop_batch(std::string_view(bytes).substr(pos, len)))
      out.emplace_back(base, last);
    pos += len;
  }
  return out;
}

} // namespace

TEST_CASE("a replicated partition keeps every acknowledged batch when its leader dies", "[actors][partition]") {
  cluster c;
  auto leader = c.wait_for_leader();
  REQUIRE(leader != 0);
  std::vector<std::pair<std::int64_t, std::int64_t>> acked;
  for (int i = 0; i < 40; ++i) {
    auto r = c.produce(leader, make_batch(3, 20, 1000 + i));
    INFO("batch " << i << ": " << r.error);
    REQUIRE(r.ok);
    CHECK(r.last_offset - r.base_offset == 2);
    if (!acked.empty())
      CHECK(r.base_offset > acked.back().second);
    acked.emplace_back(r.base_offset, r.last_offset);
  }
  // A follower refuses produces and names the leader.
  auto follower = leader == 1 ? 2 : 1;
  auto refused = c.produce(follower, make_batch(1, 10, 5));
  CHECK_FALSE(refused.ok);
  CHECK(refused.leader == leader);

  auto read = c.fetch(leader, 0);
  REQUIRE(read.ok);
  CHECK(data_batches(read.batches) == acked);

  // The leader dies; the other two elect a new one and keep every batch.
  {
    caf::scoped_actor self{*c.sys};
    self->send_exit(c.replicas.at(leader), caf::exit_reason::kill);
  }
  c.replicas.erase(leader);
  auto next = c.wait_for_leader();
  REQUIRE(next != 0);
  CHECK(next != leader);
  for (int i = 0; i < 10; ++i) {
    auto r = c.produce(next, make_batch(2, 20, 2000 + i));
    INFO("after failover, batch " << i << ": " << r.error);
    REQUIRE(r.ok);
    acked.emplace_back(r.base_offset, r.last_offset);
  }
  for (auto& [id, a] : c.replicas) {
    auto got = c.fetch(id, 0);
    REQUIRE(got.ok);
    auto batches = data_batches(got.batches);
    // A follower may trail the leader's high watermark by the last batches.
    INFO("replica " << id);
    REQUIRE(batches.size() >= acked.size() - 10);
    CHECK(std::equal(batches.begin(), batches.end(), acked.begin()));
  }
  CHECK(data_batches(c.fetch(next, 0).batches) == acked);
}
