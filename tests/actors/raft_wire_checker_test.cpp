// The raft checker the cluster simulation runs on every step must see
// broken invariants in the traffic it is shown, and stay quiet on legal
// traffic (such as an entry re-sent after the leader stamped its offsets).

#include "tests/support/raft_wire_checker.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace rivulet;
using namespace rivulet::testing;

namespace {

raft::message msg(raft::message_type type, std::int64_t from, std::int64_t to, std::uint64_t term) {
  raft::message m;
  m.type = type;
  m.from = raft::node_id{from};
  m.to = raft::node_id{to};
  m.term = raft::term_id{term};
  return m;
}

/// An append carrying entries (index, term, payload) and the leader's commit.
raft::message append(std::int64_t from, std::uint64_t term, std::vector<raft::log_entry> entries,
                     std::uint64_t commit) {
  auto m = msg(raft::message_type::append_request, from, 9, term);
  m.entries = std::move(entries);
  m.commit = raft::log_index{commit};
  return m;
}

raft::log_entry entry(std::uint64_t index, std::uint64_t term, std::string payload) {
  return {raft::term_id{term}, raft::log_index{index}, raft::entry_kind::normal, std::move(payload)};
}

/// A batch-shaped payload: 16 header bytes that a leader rewrites when it
/// stores the batch (base offset, length, leader epoch), then the content.
std::string batch(char header, const std::string& content) {
  return std::string(16, header) + content;
}

} // namespace

TEST_CASE("the wire checker reports two leaders in one term", "[sim]") {
  raft_wire_checker c;
  c.observe(1, {msg(raft::message_type::heartbeat, 1, 2, 5)});
  c.observe(1, {msg(raft::message_type::heartbeat, 1, 3, 5)});
  c.observe(2, {msg(raft::message_type::heartbeat, 2, 3, 5)});  // another group
  CHECK(c.violations().empty());
  CHECK(c.leader(1) == 1);
  c.observe(1, {msg(raft::message_type::heartbeat, 2, 1, 5)});
  REQUIRE(c.violations().size() == 1);
  CHECK(c.violations()[0].find("two leaders") != std::string::npos);
  // A replica view naming itself leader counts as a claim as well.
  actors::replica_view v;
  v.group = 1;
  v.node = 3;
  v.leader = 3;
  v.term = 5;
  c.observe(v);
  CHECK(c.violations().size() == 2);
}

TEST_CASE("the wire checker reports a voter granting two candidates in one term", "[sim]") {
  raft_wire_checker c;
  auto grant = [](std::int64_t voter, std::int64_t candidate) {
    return msg(raft::message_type::vote_reply, voter, candidate, 4);
  };
  auto refuse = msg(raft::message_type::vote_reply, 1, 3, 4);
  refuse.reject = true;
  c.observe(1, {grant(1, 2), grant(1, 2), refuse, grant(3, 3)});
  CHECK(c.violations().empty());
  c.observe(1, {grant(1, 3)});
  REQUIRE(c.violations().size() == 1);
  CHECK(c.violations()[0].find("voted for node 2 and for node 3") != std::string::npos);
}

TEST_CASE("the wire checker reports a committed entry that a later leader replaces", "[sim]") {
  raft_wire_checker c;
  // Leader 1 of term 2 sends entry 1 and then says it committed.
  c.observe(1, {append(1, 2, {entry(1, 2, batch('a', "x"))}, 0)});
  c.observe(1, {msg(raft::message_type::heartbeat, 1, 2, 2)});
  c.observe(1, {append(1, 2, {}, 1)});
  CHECK(c.violations().empty());
  CHECK(c.stats().entries_committed == 1);
  // The same entry sent again after the leader stored it (other header bytes) is fine.
  c.observe(1, {append(3, 3, {entry(1, 2, batch('b', "x"))}, 1)});
  CHECK(c.violations().empty());
  // A leader of term 4 commits another entry at index 1.
  c.observe(1, {append(2, 4, {entry(1, 4, batch('a', "y"))}, 1)});
  REQUIRE_FALSE(c.violations().empty());
  CHECK(c.violations()[0].find("was committed there before") != std::string::npos);
}

TEST_CASE("the wire checker reports two different entries with the same index and term", "[sim]") {
  raft_wire_checker c;
  c.observe(1, {append(1, 2, {entry(3, 2, batch('a', "x"))}, 0)});
  c.observe(1, {append(1, 2, {entry(3, 2, batch('a', "z"))}, 0)});
  REQUIRE_FALSE(c.violations().empty());
  CHECK(c.violations()[0].find("log matching") != std::string::npos);
}
