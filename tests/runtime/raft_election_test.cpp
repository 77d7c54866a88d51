#include <catch2/catch.hpp>

#include "runtime/raft/raft_node.hpp"
#include "tests/support/raft_sim.hpp"

using namespace rivulet::raft;
using rivulet::raft::testing::raft_sim;

namespace {

// Runs whole-cluster ticks over a perfect network until one leader exists.
int elect(raft_sim& s, int max_ticks = 200) {
  for (int i = 0; i < max_ticks; ++i) {
    s.tick_all();
    auto ls = s.leaders();
    if (ls.size() == 1)
      return ls.front();
  }
  return 0;
}

} // namespace

TEST_CASE("a single node becomes leader after one election timeout", "[raft]") {
  raft_sim s(1, 7);
  for (int i = 0; i < 20; ++i)
    s.tick(1);
  CHECK(s.node(1).role() == raft_role::leader);
  CHECK(s.node(1).term() == term_id{1});
  // The leader's no-op commits at once in a group of one.
  CHECK(s.node(1).commit_index() == log_index{1});
  CHECK(s.propose(1, "x").accepted());
  CHECK(s.node(1).commit_index() == log_index{2});
  CHECK(s.violation().empty());
}

TEST_CASE("three nodes elect exactly one leader that all of them follow", "[raft]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    raft_sim s(3, seed);
    int leader = elect(s);
    REQUIRE(leader != 0);
    for (int i = 0; i < 50; ++i)
      s.tick_all();
    CHECK(s.leaders() == std::vector<int>{leader});
    for (int id = 1; id <= 3; ++id) {
      CHECK(s.node(id).leader() == node_id{leader});
      CHECK(s.node(id).term() == s.node(leader).term());
    }
    CHECK(s.violation().empty());
  }
}

TEST_CASE("a message from a stale term is ignored and answered with the current term", "[raft]") {
  raft_sim s(3, 3);
  int leader = elect(s);
  REQUIRE(leader != 0);
  s.deliver_all();
  int follower = leader == 1 ? 2 : 1;
  auto term = s.node(follower).term();
  auto last = s.node(follower).last_index();
  s.network().clear();

  message stale;
  stale.type = message_type::append_request;
  stale.from = node_id{6 - leader - follower}; // the third node, as a deposed leader
  stale.to = node_id{follower};
  stale.term = term_id{term.value - 1};
  stale.index = last;
  stale.log_term = term_id{0};
  stale.entries.push_back(log_entry{term_id{term.value - 1}, last.next(), entry_kind::normal, "old"});
  s.with_node(follower, [&](raft_node& n) { n.step(stale); });

  CHECK(s.node(follower).term() == term);
  CHECK(s.node(follower).last_index() == last);
  CHECK(s.node(follower).leader() == node_id{leader});
  REQUIRE(s.network().size() == 1);
  CHECK(s.network()[0].msg.type == message_type::append_reply);
  CHECK(s.network()[0].msg.term == term);

  message stale_vote;
  stale_vote.type = message_type::vote_request;
  stale_vote.from = stale.from;
  stale_vote.to = node_id{follower};
  stale_vote.term = term_id{term.value - 1};
  stale_vote.index = log_index{100};
  stale_vote.log_term = term;
  s.with_node(follower, [&](raft_node& n) { n.step(stale_vote); });
  CHECK(s.network().size() == 1); // no vote reply at all
  CHECK(s.node(follower).term() == term);
}

TEST_CASE("a candidate with a less up-to-date log gets no vote", "[raft]") {
  raft_sim s(3, 5);
  s.preload(1, {{1, "a"}}, hard_state{term_id{1}, std::nullopt, log_index{0}});
  s.preload(2, {{1, "a"}, {1, "b"}}, hard_state{term_id{1}, std::nullopt, log_index{0}});
  s.preload(3, {{1, "a"}, {1, "b"}}, hard_state{term_id{1}, std::nullopt, log_index{0}});
  s.with_node(1, [](raft_node& n) { n.campaign(); });
  s.deliver_all();
  CHECK(s.node(1).role() != raft_role::leader);
  CHECK(s.node(1).term() == term_id{1}); // the pre-vote already failed
  s.with_node(2, [](raft_node& n) { n.campaign(); });
  s.deliver_all();
  CHECK(s.node(2).role() == raft_role::leader);
  CHECK(s.violation().empty());
}

TEST_CASE("a partitioned node rejoining after many pre-vote attempts does not depose the leader",
          "[raft]") {
  raft_sim s(3, 11);
  int leader = elect(s);
  REQUIRE(leader != 0);
  int outcast = leader == 3 ? 1 : 3;
  auto term = s.node(leader).term();
  s.isolate(outcast);
  for (int i = 0; i < 300; ++i)
    s.tick_all();
  // It campaigned many times, but pre-votes never raise a term.
  CHECK(s.node(outcast).term() == term);
  CHECK(s.node(outcast).role() == raft_role::pre_candidate);
  s.heal();
  for (int i = 0; i < 100; ++i)
    s.tick_all();
  CHECK(s.leaders() == std::vector<int>{leader});
  CHECK(s.node(leader).term() == term);
  CHECK(s.node(outcast).leader() == node_id{leader});
  CHECK(s.violation().empty());
}

TEST_CASE("without pre-vote a rejoining partitioned node does depose the leader", "[raft]") {
  raft_config cfg;
  cfg.pre_vote = false;
  raft_sim s(3, 11, cfg);
  int leader = elect(s);
  REQUIRE(leader != 0);
  int outcast = leader == 3 ? 1 : 3;
  auto term = s.node(leader).term();
  s.isolate(outcast);
  for (int i = 0; i < 300; ++i)
    s.tick_all();
  CHECK(s.node(outcast).term() > term);
  s.heal();
  for (int i = 0; i < 100; ++i)
    s.tick_all();
  CHECK(s.node(leader).term() > term); // the old term ended
  CHECK(s.violation().empty());
}

TEST_CASE("a leader cut off from the majority steps down within an election timeout", "[raft]") {
  raft_sim s(5, 13);
  int leader = elect(s);
  REQUIRE(leader != 0);
  s.isolate(leader);
  for (int i = 0; i < 2 * 10 + 1; ++i)
    s.tick_all();
  CHECK(s.node(leader).role() == raft_role::follower);
  // The majority side elects a new leader meanwhile or soon after.
  for (int i = 0; i < 100; ++i)
    s.tick_all();
  auto ls = s.leaders();
  REQUIRE(ls.size() == 1);
  CHECK(ls.front() != leader);
  CHECK(s.violation().empty());
}

TEST_CASE("a leader that hears from a majority keeps leading", "[raft]") {
  raft_sim s(5, 17);
  int leader = elect(s);
  REQUIRE(leader != 0);
  auto term = s.node(leader).term();
  std::vector<int> others;
  for (int id = 1; id <= 5; ++id)
    if (id != leader)
      others.push_back(id);
  // The leader keeps two followers; the other two form a minority side.
  s.partition({{leader, others[0], others[1]}});
  for (int i = 0; i < 200; ++i)
    s.tick_all();
  CHECK(s.node(leader).role() == raft_role::leader);
  CHECK(s.node(leader).term() == term);
}
