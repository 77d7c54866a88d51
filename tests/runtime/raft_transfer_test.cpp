#include <catch2/catch.hpp>

#include <string>

#include "runtime/raft/raft_node.hpp"
#include "tests/support/raft_sim.hpp"

using namespace rivulet::raft;
using rivulet::raft::testing::raft_sim;

namespace {

void lead(raft_sim& s, int id) {
  s.with_node(id, [](raft_node& n) { n.campaign(); });
  s.deliver_all();
  REQUIRE(s.node(id).role() == raft_role::leader);
}

} // namespace

TEST_CASE("leadership transfer hands over to an up-to-date follower", "[raft]") {
  raft_sim s(3, 21);
  lead(s, 1);
  auto term = s.node(1).term();
  bool started = false;
  s.with_node(1, [&](raft_node& n) { started = n.transfer_leadership(node_id{2}); });
  CHECK(started);
  s.deliver_all();
  CHECK(s.leaders() == std::vector<int>{2});
  CHECK(s.node(2).term() == term.next());
  CHECK(s.node(1).role() == raft_role::follower);
  CHECK(s.node(1).leader() == node_id{2});
  CHECK(s.violation().empty());
}

TEST_CASE("leadership transfer first brings a lagging target up to date", "[raft]") {
  raft_sim s(3, 22);
  lead(s, 1);
  s.deliver_all();
  s.isolate(3);
  for (int i = 0; i < 10; ++i)
    s.propose(1, "p" + std::to_string(i));
  s.deliver_all();
  s.heal();
  REQUIRE(s.node(3).last_index() < s.node(1).last_index());
  s.with_node(1, [](raft_node& n) { n.transfer_leadership(node_id{3}); });
  CHECK(s.propose(1, "refused").status == propose_status::transfer_in_progress);
  // The stream to node 3 is paused by lost appends; heartbeats restart it.
  for (int i = 0; i < 9 && s.leaders() != std::vector<int>{3}; ++i)
    s.tick_all();
  CHECK(s.leaders() == std::vector<int>{3});
  for (int i = 0; i < 5; ++i)
    s.tick_all();
  CHECK(s.applied(3).size() == 11 + 1); // old entries plus the new leader's no-op
  CHECK(s.violation().empty());
}

TEST_CASE("followers grant a transfer vote although their leader looks alive", "[raft]") {
  raft_sim s(5, 23);
  lead(s, 1);
  s.deliver_all();
  // Followers heard from the leader just now: ordinary votes would be ignored.
  s.with_node(1, [](raft_node& n) { n.transfer_leadership(node_id{4}); });
  s.deliver_all();
  CHECK(s.leaders() == std::vector<int>{4});
  CHECK(s.violation().empty());
}

TEST_CASE("a transfer that cannot finish is abandoned after an election timeout", "[raft]") {
  raft_sim s(3, 24);
  lead(s, 1);
  s.deliver_all();
  s.isolate(2);
  s.with_node(1, [](raft_node& n) { n.propose("behind"); });
  s.with_node(1, [](raft_node& n) { n.transfer_leadership(node_id{2}); });
  CHECK(s.node(1).transfer_target() == node_id{2});
  for (int i = 0; i < 10; ++i)
    s.tick_all();
  CHECK(s.node(1).role() == raft_role::leader);
  CHECK(!s.node(1).transfer_target());
  CHECK(s.propose(1, "again").accepted());
}

TEST_CASE("only a leader can transfer, and only to another voter", "[raft]") {
  raft_sim s(3, 25);
  lead(s, 1);
  bool ok = true;
  s.with_node(2, [&](raft_node& n) { ok = n.transfer_leadership(node_id{3}); });
  CHECK(!ok);
  s.with_node(1, [&](raft_node& n) { ok = n.transfer_leadership(node_id{1}); });
  CHECK(!ok);
  s.with_node(1, [&](raft_node& n) { ok = n.transfer_leadership(node_id{9}); });
  CHECK(!ok);
}
