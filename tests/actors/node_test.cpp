// Nodes of the topic store in one process: the controller group creates and
// deletes topics, every node applies the same table, partitions are raft
// groups routed node to node, and a killed node comes back from its disk.

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <atomic>
#include <map>
#include <algorithm>

#include <caf/all.hpp>

#include "actors/embedded_cluster.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"
#include "tests/support/cluster_fixture.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace rivulet::testing;
using namespace std::chrono_literals;

TEST_CASE("a topic created on one node appears on every node with a leader per partition", "[node]") {
  cluster_fixture f;
  auto r = f.create(2, "orders", 4, 3);
  INFO(r.error);
  REQUIRE(r.ok);
  REQUIRE(eventually([&] { return f.topic_ready("orders", 4); }));
  auto md = f.metadata(3, {"orders"});
  REQUIRE(md);
  auto& t = md->topics.at(0);
  CHECK(t.replication_factor == 3);
  std::set<std::int64_t> groups;
  for (auto& p : t.partitions) {
    CHECK(p.replicas.size() == 3);
    groups.insert(p.group);
  }
  CHECK(groups.size() == 4);
  // A second create of the same name is refused, on any node.
  auto again = f.create(1, "orders", 2, 1);
  CHECK_FALSE(again.ok);
  CHECK(again.error.find("already exists") != std::string::npos);
  // Bad requests get a reason, not a crash.
  auto bad = f.create(1, "no spaces allowed", 1, 1);
  CHECK_FALSE(bad.ok);
  auto too_many = f.create(1, "wide", 1, 4);
  CHECK_FALSE(too_many.ok);
  CHECK(too_many.error.find("replication factor") != std::string::npos);
}

TEST_CASE("records produced with acks=all are read back in order from every replica", "[node]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "events", 2, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("events", 2); }));
  for (int b = 0; b < 10; ++b) {
    f.produce("events", 0, values("a", b * 5, b * 5 + 5));
    f.produce("events", 1, values("b", b * 5, b * 5 + 5));
  }
  for (auto node : f.cluster->ids()) {
    REQUIRE(eventually([&] { return f.read_all(node, "events", 0).size() == 50; }));
    CHECK(f.read_all(node, "events", 0) == values("a", 0, 50));
    REQUIRE(eventually([&] { return f.read_all(node, "events", 1).size() == 50; }));
    CHECK(f.read_all(node, "events", 1) == values("b", 0, 50));
  }
  // Produce to a partition that does not exist names it.
  auto batch = io::kafka::encode_batch({{std::nullopt, std::string("x"), 1}});
  auto r = f.ask<produce_reply>(f.cluster->node(1), topic_produce{"events", 7, produce_request{*batch, -1}});
  REQUIRE(r);
  CHECK_FALSE(r->ok);
  CHECK(r->error.find("no partition 7") != std::string::npos);
}

TEST_CASE("a killed leader node loses no acknowledged record and catches up after restart", "[node]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "log", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("log", 1); }));
  for (int b = 0; b < 10; ++b)
    f.produce("log", 0, values("v", b * 10, b * 10 + 10));
  auto md = f.metadata(1, {"log"});
  REQUIRE(md);
  auto leader = md->topics[0].partitions[0].leader;
  REQUIRE(leader != 0);
  f.cluster->kill(leader);
  for (int b = 10; b < 20; ++b)
    f.produce("log", 0, values("v", b * 10, b * 10 + 10));
  f.cluster->restart(leader);
  REQUIRE(eventually([&] { return f.read_all(leader, "log", 0).size() == 200; }, 20s));
  CHECK(f.read_all(leader, "log", 0) == values("v", 0, 200));
  for (auto node : f.cluster->ids())
    CHECK(f.read_all(node, "log", 0) == values("v", 0, 200));
}

TEST_CASE("a deleted topic disappears from every node and its replicas' files are removed", "[node]") {
  cluster_fixture f;
  REQUIRE(f.create(3, "tmp", 2, 2).ok);
  REQUIRE(eventually([&] { return f.topic_ready("tmp", 2); }));
  f.produce("tmp", 0, values("x", 0, 3));
  auto del = f.ask<admin_reply>(f.cluster->node(1), delete_topic_request{"tmp", 0});
  REQUIRE(del);
  INFO(del->error);
  CHECK(del->ok);
  REQUIRE(eventually([&] {
    for (auto id : f.cluster->ids()) {
      auto md = f.metadata(id);
      if (!md || !md->topics.empty())
        return false;
    }
    return true;
  }));
  REQUIRE(eventually([&] {
    for (auto id : f.cluster->ids()) {
      auto dir = f.dir.path() / ("n" + std::to_string(id)) / "partitions";
      if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir))
        return false;
    }
    return true;
  }));
  // Deleting it again says it does not exist.
  auto again = f.ask<admin_reply>(f.cluster->node(2), delete_topic_request{"tmp", 0});
  REQUIRE(again);
  CHECK_FALSE(again->ok);
  CHECK(again->error.find("does not exist") != std::string::npos);
}

namespace {

/// The coordinator of `group` as any node reports it, once one is ready.
find_coordinator_reply coordinator_of(cluster_fixture& f, const std::string& group) {
  find_coordinator_reply found;
  bool ok = eventually([&] {
    for (auto id : f.cluster->ids()) {
      auto r = f.ask<find_coordinator_reply>(f.cluster->node(id), find_coordinator_request{group, 0});
      if (r && r->ok) {
        found = *r;
        return true;
      }
    }
    return false;
  }, 20s);
  REQUIRE(ok);
  return found;
}

} // namespace

TEST_CASE("committed group offsets survive the loss of the coordinator's node", "[node][group]") {
  cluster_fixture f;
  auto c = coordinator_of(f, "billing");
  REQUIRE(c.coordinator);
  // Every node points at the same coordinator.
  for (auto id : f.cluster->ids()) {
    auto r = f.ask<find_coordinator_reply>(f.cluster->node(id), find_coordinator_request{"billing", 0});
    REQUIRE(r);
    CHECK(r->node == c.node);
  }
  offset_commit_request commit;
  commit.group_id = "billing";
  commit.offsets = {{"invoices", 0, 42, true, "m0"}, {"invoices", 1, 7, false, {}}};
  std::optional<offset_commit_reply> committed;
  REQUIRE(eventually([&] {
    committed = f.ask<offset_commit_reply>(c.coordinator, commit);
    return committed && committed->partitions.size() == 2 && committed->partitions[0].error_code == 0
           && committed->partitions[1].error_code == 0;
  }));
  f.cluster->kill(c.node);
  auto next = coordinator_of(f, "billing");
  CHECK(next.node != c.node);
  offset_fetch_request fetch;
  fetch.group_id = "billing";
  std::optional<offset_fetch_reply> got;
  REQUIRE(eventually([&] {
    got = f.ask<offset_fetch_reply>(next.coordinator, fetch);
    return got && got->error_code == 0 && got->partitions.size() == 2;
  }));
  CHECK(got->partitions[0].offset == 42);
  CHECK(got->partitions[0].metadata == "m0");
  CHECK(got->partitions[1].offset == 7);
  // Back from its disk, the old node rejoins; the offsets are still there.
  f.cluster->restart(c.node);
  offset_fetch_request one;
  one.group_id = "billing";
  one.has_partitions = true;
  one.partitions = {{"invoices", 1}};
  REQUIRE(eventually([&] {
    auto now = coordinator_of(f, "billing");
    auto r = f.ask<offset_fetch_reply>(now.coordinator, one);
    return r && r->error_code == 0 && r->partitions.size() == 1 && r->partitions[0].offset == 7;
  }));
}

TEST_CASE("a node stopped gracefully hands its leaderships over before it stops", "[node]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "handover", 3, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("handover", 3); }));
  for (std::int32_t p = 0; p < 3; ++p)
    f.produce("handover", p, values("h", 0, 5));
  // The node leading the most partitions.
  auto md = f.metadata(1, {"handover"});
  REQUIRE(md);
  std::map<std::int64_t, int> led;
  for (auto& p : md->topics[0].partitions)
    ++led[p.leader];
  auto victim = std::max_element(led.begin(), led.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  REQUIRE(victim != 0);
  // While it drains, another node must already report new leaders for every
  // partition it led: the handover happened before the node went down.
  auto victim_handle = f.cluster->node(victim);
  auto other = victim == 1 ? 2 : 1;
  std::atomic<bool> watching{false};
  std::atomic<int> outcome{0};  // 1: new leaders seen while the node ran; 2: node down first
  std::thread watcher([&] {
    caf::scoped_actor self{*f.sys};
    self->monitor(victim_handle);
    watching = true;
    eventually(
      [&] {
        bool down = false;
        self->receive([&](const caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
        if (down) {
          outcome = 2;
          return true;
        }
        auto now = f.metadata(other, {"handover"});
        if (!now || now->topics.empty())
          return false;
        for (auto& p : now->topics[0].partitions)
          if (p.leader == victim || p.leader == 0)
            return false;
        outcome = 1;
        return true;
      },
      5s);
  });
  REQUIRE(eventually([&] { return watching.load(); }));
  f.cluster->shutdown(victim);
  watcher.join();
  CHECK(outcome.load() == 1);
  // Every acknowledged record is still there, and the partitions take more.
  for (std::int32_t p = 0; p < 3; ++p) {
    f.produce("handover", p, values("h", 5, 10));
    auto other = victim == 1 ? 2 : 1;
    REQUIRE(eventually([&] { return f.read_all(other, "handover", p).size() == 10; }));
    CHECK(f.read_all(other, "handover", p) == values("h", 0, 10));
  }
}
