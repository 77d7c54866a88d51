#include <catch2/catch.hpp>

#include <string>

#include "runtime/raft/raft_node.hpp"
#include "tests/support/raft_sim.hpp"

using namespace rivulet::raft;
using rivulet::raft::testing::raft_sim;

namespace {

hard_state at_term(std::uint64_t t, std::uint64_t commit = 0) {
  return hard_state{term_id{t}, std::nullopt, log_index{commit}};
}

// Makes node `id` leader over a perfect network.
void lead(raft_sim& s, int id) {
  s.with_node(id, [](raft_node& n) { n.campaign(); });
  s.deliver_all();
  REQUIRE(s.node(id).role() == raft_role::leader);
}

std::size_t count(raft_sim& s, message_type t, int to) {
  std::size_t n = 0;
  for (const auto& f : s.network())
    n += (f.msg.type == t && f.msg.to == node_id{to}) ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE("a proposal on the leader commits and is applied on every node", "[raft]") {
  raft_sim s(3, 1);
  lead(s, 1);
  auto r = s.propose(1, "hello");
  REQUIRE(r.accepted());
  CHECK(r.index == log_index{2}); // after the leader's no-op
  s.deliver_all();
  for (int id = 1; id <= 3; ++id) {
    CHECK(s.node(id).commit_index() == log_index{2});
    REQUIRE(s.applied(id).size() == 2);
    CHECK(s.applied(id)[0].kind == entry_kind::noop);
    CHECK(s.applied(id)[1].payload == "hello");
  }
  CHECK(s.violation().empty());
}

TEST_CASE("a follower refuses proposals and names the leader", "[raft]") {
  raft_sim s(3, 1);
  lead(s, 1);
  auto r = s.propose(2, "x");
  CHECK(r.status == propose_status::not_leader);
  CHECK(r.leader == node_id{1});
}

TEST_CASE("a follower with conflicting uncommitted entries is truncated and repaired", "[raft]") {
  raft_sim s(3, 2);
  // Node 3 holds a term-2 tail that never committed; 1 and 2 moved on in term 3.
  s.preload(1, {{1, "a"}, {3, "b"}}, at_term(3, 1));
  s.preload(2, {{1, "a"}, {3, "b"}}, at_term(3, 1));
  std::vector<std::pair<std::uint64_t, std::string>> stale{{1, "a"}};
  for (int i = 0; i < 40; ++i)
    stale.emplace_back(2, "x" + std::to_string(i));
  s.preload(3, stale, at_term(3, 1));
  lead(s, 1);
  s.deliver_all();
  CHECK(s.storage(3).all() == s.storage(1).all());
  CHECK(s.storage(3).last_index() == log_index{3});
  CHECK(s.node(3).commit_index() == log_index{3});
  CHECK(s.violation().empty());
}

TEST_CASE("the conflict hint lets the leader skip a whole divergent term in one round trip",
          "[raft]") {
  raft_sim s(3, 2);
  s.preload(1, {{1, "a"}, {3, "b"}}, at_term(3, 1));
  s.preload(2, {{1, "a"}, {3, "b"}}, at_term(3, 1));
  std::vector<std::pair<std::uint64_t, std::string>> stale{{1, "a"}};
  for (int i = 0; i < 40; ++i)
    stale.emplace_back(2, "x" + std::to_string(i));
  s.preload(3, stale, at_term(3, 1));
  lead(s, 1);
  int rejections = 0;
  for (int round = 0; round < 100 && !s.network().empty(); ++round) {
    for (const auto& f : s.network())
      rejections += (f.msg.type == message_type::append_reply && f.msg.reject) ? 1 : 0;
    s.deliver_if([](const message&) { return true; });
  }
  CHECK(rejections <= 2);
  CHECK(s.storage(3).all() == s.storage(1).all());
}

TEST_CASE("a duplicated stale append never truncates newer entries", "[raft]") {
  raft_sim s(3, 4);
  lead(s, 1);
  s.deliver_all();
  s.propose(1, "a");
  auto first = s.network(); // appends carrying entry 2
  s.deliver_all();
  s.propose(1, "b");
  s.deliver_all();
  REQUIRE(s.node(2).last_index() == log_index{3});
  for (auto& f : first)
    if (f.msg.to == node_id{2})
      s.with_node(2, [&](raft_node& n) { n.step(f.msg); });
  CHECK(s.node(2).last_index() == log_index{3});
  CHECK(s.storage(2).last_index() == log_index{3});
  CHECK(s.violation().empty());
}

TEST_CASE("a leader commits an older-term entry only through an entry of its own term",
          "[raft]") {
  // Figure 8 of the raft paper: index 2 (term 2) sits on a majority once the
  // term-4 leader replicated it, yet it must not count as committed, because
  // node 5 (last term 3) can still win an election and overwrite it.
  raft_config cfg;
  cfg.max_entries_per_message = 1;
  cfg.check_quorum = false; // lets node 5 campaign right after the crash below
  raft_sim s(5, 8, cfg);
  s.preload(1, {{1, "a"}, {2, "t2"}}, at_term(3, 1));
  s.preload(2, {{1, "a"}}, at_term(3, 1));
  s.preload(3, {{1, "a"}}, at_term(3, 1));
  s.preload(4, {{1, "a"}}, at_term(3, 1));
  s.preload(5, {{1, "a"}, {3, "t3"}}, at_term(3, 1));
  s.with_node(1, [](raft_node& n) { n.campaign(); });
  auto is_vote = [](const message& m) {
    return m.type != message_type::append_request && m.type != message_type::append_reply;
  };
  for (int i = 0; i < 4; ++i)
    s.deliver_if(is_vote);
  REQUIRE(s.node(1).role() == raft_role::leader);
  REQUIRE(s.node(1).term() == term_id{4});
  REQUIRE(s.storage(1).last_index() == log_index{3}); // the term-4 no-op
  // Nodes 2 and 3 receive index 2 but never the no-op; 4 and 5 hear nothing.
  auto blocked = [&](const message& m) {
    bool noop = !m.entries.empty() && m.entries.back().index >= log_index{3};
    return m.to == node_id{4} || m.to == node_id{5}
           || (noop && s.storage(static_cast<int>(m.to.value)).last_index() >= log_index{2});
  };
  for (int i = 0; i < 20; ++i) {
    s.drop_if(blocked);
    s.deliver_if([](const message&) { return true; });
  }
  REQUIRE(s.storage(2).last_index() == log_index{2});
  REQUIRE(s.storage(3).last_index() == log_index{2});
  CHECK(s.node(1).progress_of(node_id{2})->match() == log_index{2});
  CHECK(s.node(1).progress_of(node_id{3})->match() == log_index{2});
  CHECK(s.node(1).commit_index() == log_index{1}); // on 3 of 5, still not committed

  // The leader crashes; node 5 wins with votes of 2, 3 and 4 and overwrites index 2.
  s.crash(1);
  s.network().clear();
  s.with_node(5, [](raft_node& n) { n.campaign(); });
  s.deliver_all();
  REQUIRE(s.node(5).role() == raft_role::leader);
  for (int id = 2; id <= 5; ++id) {
    CHECK(s.storage(id).all()[1].payload == "t3");
    for (const auto& e : s.applied(id))
      CHECK(e.payload != "t2");
  }
  CHECK(s.violation().empty());
}

TEST_CASE("once an entry of its own term is on a majority the leader commits all before it",
          "[raft]") {
  raft_config cfg;
  cfg.max_entries_per_message = 1;
  raft_sim s(3, 8, cfg);
  s.preload(1, {{1, "a"}, {2, "t2"}}, at_term(2, 1));
  s.preload(2, {{1, "a"}}, at_term(2, 1));
  s.preload(3, {{1, "a"}}, at_term(2, 1));
  lead(s, 1);
  // The first round only brings index 2 (max one entry per message).
  s.deliver_all();
  CHECK(s.node(1).commit_index() == log_index{3});
  CHECK(s.node(2).commit_index() == log_index{3});
  CHECK(s.violation().empty());
}

TEST_CASE("appends are batched and pipelined up to the inflight limit", "[raft]") {
  raft_config cfg;
  cfg.max_entries_per_message = 2;
  cfg.max_inflight = 3;
  raft_sim s(3, 9, cfg);
  lead(s, 1);
  s.deliver_all();
  REQUIRE(s.node(1).progress_of(node_id{2})->state() == progress_state::replicate);
  for (int i = 0; i < 20; ++i)
    s.propose(1, "p" + std::to_string(i));
  CHECK(count(s, message_type::append_request, 2) == 3);
  for (const auto& f : s.network())
    if (f.msg.type == message_type::append_request)
      CHECK(f.msg.entries.size() <= 2);
  CHECK(s.node(1).progress_of(node_id{2})->is_paused());
  s.deliver_all();
  CHECK(s.node(2).commit_index() == s.node(1).last_index());
  CHECK(s.applied(3).size() == 21);
}

TEST_CASE("a restarted node keeps its term, vote and log", "[raft]") {
  raft_sim s(3, 12);
  lead(s, 1);
  s.propose(1, "a");
  s.deliver_all();
  auto term = s.node(2).term();
  s.crash(2);
  s.restart(2);
  CHECK(s.node(2).term() == term);
  CHECK(s.node(2).last_index() == log_index{2});
  s.propose(1, "b");
  s.deliver_all();
  CHECK(s.applied(2).size() == 3); // replayed from the log, then the new entry
  CHECK(s.violation().empty());
}

TEST_CASE("the leader keeps entries in memory only until every peer has them", "[raft]") {
  raft_sim s(3, 1);
  lead(s, 1);
  s.deliver_all();
  CHECK(s.node(1).cached_entry_bytes() == 0);
  // Node 3 is cut off: the leader keeps what node 3 still lacks.
  s.isolate(3);
  for (int i = 0; i < 5; ++i)
    REQUIRE(s.propose(1, std::string(1000, static_cast<char>('a' + i))).accepted());
  s.deliver_all();
  CHECK(s.node(1).commit_index() == log_index{6});
  CHECK(s.node(1).cached_entry_bytes() >= 5 * 1000);
  CHECK(s.node(2).cached_entry_bytes() == 0);  // a follower applied them; no one reads them from it
  // Node 3 back: it gets the five entries and the leader lets go of them.
  s.heal();
  for (int round = 0; round < 20 && s.node(3).commit_index() < log_index{6}; ++round) {
    s.tick(1);
    s.deliver_all();
  }
  REQUIRE(s.node(3).commit_index() == log_index{6});
  REQUIRE(s.applied(3).size() == 6);
  CHECK(s.applied(3).back().payload == std::string(1000, 'e'));
  s.tick(1);  // a heartbeat round carries the leader's view of node 3's match
  s.deliver_all();
  CHECK(s.node(1).cached_entry_bytes() == 0);
  CHECK(s.violation().empty());
}
