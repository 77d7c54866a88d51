#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/group/group_coordinator.hpp"

using namespace rivulet::group;

namespace {

// Drives one group_coordinator with a manual clock, like its actor would.
struct group_fixture {
  group_coordinator g{config()};
  std::int64_t now = 1000;

  static group_config config() {
    group_config c;
    c.group_id = "g";
    c.initial_rebalance_delay_ms = 0;
    return c;
  }

  static join_request request(std::string id, std::vector<protocol> ps = {{"range", {1, 2}}}) {
    join_request r;
    r.member_id = std::move(id);
    r.client_id = "c";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.protocol_type = "consumer";
    r.protocols = std::move(ps);
    return r;
  }

  // First step of the handshake: the coordinator hands out an id.
  std::string new_member() {
    auto r = g.join(request(""), now);
    REQUIRE(r);
    REQUIRE(r->error == error_code::member_id_required);
    REQUIRE(!r->member_id.empty());
    return r->member_id;
  }

  // The join answer parked for `id`, taken from the completions.
  static std::optional<join_response> join_of(const completions& c, const std::string& id) {
    for (const auto& [m, r] : c.joins)
      if (m == id)
        return r;
    return std::nullopt;
  }
  static std::optional<sync_response> sync_of(const completions& c, const std::string& id) {
    for (const auto& [m, r] : c.syncs)
      if (m == id)
        return r;
    return std::nullopt;
  }

  // Two members through join and the leader's sync; returns {leader, follower}.
  std::pair<std::string, std::string> stable_pair() {
    std::string a = new_member();
    std::string b = new_member();
    CHECK_FALSE(g.join(request(a), now));
    CHECK_FALSE(g.join(request(b), now));
    auto c = g.take_completions();
    REQUIRE(c.joins.size() == 2);
    REQUIRE(g.state() == group_state::completing_rebalance);
    std::string leader = g.leader();
    std::string follower = leader == a ? b : a;
    CHECK_FALSE(g.sync(follower, g.generation(), {}, now));
    auto r = g.sync(leader, g.generation(), {{a, {0xa}}, {b, {0xb}}}, now);
    REQUIRE(r);
    g.take_completions();
    REQUIRE(g.state() == group_state::stable);
    return {leader, follower};
  }
};

} // namespace

TEST_CASE("a new member gets MEMBER_ID_REQUIRED and then joins with the given id", "[group]") {
  group_fixture f;
  std::string id = f.new_member();
  CHECK(id.rfind("c-", 0) == 0);
  CHECK(f.g.state() == group_state::empty);
  CHECK_FALSE(f.g.has_member(id));

  CHECK_FALSE(f.g.join(group_fixture::request(id), f.now));
  auto c = f.g.take_completions();
  auto r = group_fixture::join_of(c, id);
  REQUIRE(r);
  CHECK(r->error == error_code::none);
  CHECK(r->member_id == id);
  CHECK(r->generation == 1);
  CHECK(r->leader == id);
  CHECK(r->protocol_name == "range");
  CHECK(f.g.state() == group_state::completing_rebalance);
}

TEST_CASE("an old join version gets an id and joins without MEMBER_ID_REQUIRED", "[group]") {
  group_fixture f;
  auto req = group_fixture::request("");
  req.require_known_member_id = false;
  CHECK_FALSE(f.g.join(req, f.now));
  auto c = f.g.take_completions();
  REQUIRE(c.joins.size() == 1);
  CHECK(c.joins[0].second.error == error_code::none);
  CHECK(c.joins[0].second.member_id == c.joins[0].first);
  CHECK(f.g.has_member(c.joins[0].first));
}

TEST_CASE("two members join into one generation whose leader alone gets both members' metadata",
          "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  CHECK(a != b);
  auto ra = group_fixture::request(a, {{"range", {0xa}}});
  auto rb = group_fixture::request(b, {{"range", {0xb}}});
  CHECK_FALSE(f.g.join(ra, f.now));
  // b still owes its rejoin, so the join phase waits for it.
  CHECK(f.g.take_completions().empty());
  CHECK(f.g.state() == group_state::preparing_rebalance);
  CHECK_FALSE(f.g.join(rb, f.now));
  auto c = f.g.take_completions();
  REQUIRE(c.joins.size() == 2);
  auto ja = group_fixture::join_of(c, a);
  auto jb = group_fixture::join_of(c, b);
  REQUIRE((ja && jb));
  CHECK(ja->generation == 1);
  CHECK(jb->generation == 1);
  CHECK(ja->leader == a);
  CHECK(jb->leader == a);
  REQUIRE(ja->members.size() == 2);
  CHECK(ja->members[0].member_id == a);
  CHECK(ja->members[0].metadata == bytes{0xa});
  CHECK(ja->members[1].member_id == b);
  CHECK(ja->members[1].metadata == bytes{0xb});
  CHECK(jb->members.empty());
}

TEST_CASE("sync delivers each member the assignment the leader sent", "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  f.g.join(group_fixture::request(a), f.now);
  f.g.join(group_fixture::request(b), f.now);
  f.g.take_completions();
  // The follower syncs first and waits for the leader.
  CHECK_FALSE(f.g.sync(b, 1, {}, f.now));
  CHECK(f.g.take_completions().empty());
  auto leader = f.g.sync(a, 1, {{a, {1, 1}}, {b, {2, 2}}, {"stranger", {9}}}, f.now);
  REQUIRE(leader);
  CHECK(leader->error == error_code::none);
  CHECK(leader->assignment == bytes{1, 1});
  auto c = f.g.take_completions();
  auto sb = group_fixture::sync_of(c, b);
  REQUIRE(sb);
  CHECK(sb->error == error_code::none);
  CHECK(sb->assignment == bytes{2, 2});
  CHECK(f.g.state() == group_state::stable);
  // A late repeat in Stable is answered at once.
  auto again = f.g.sync(b, 1, {}, f.now);
  REQUIRE(again);
  CHECK(again->assignment == bytes{2, 2});
}

TEST_CASE("a heartbeat during a rebalance answers REBALANCE_IN_PROGRESS", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  CHECK(f.g.heartbeat(follower, 1, f.now) == error_code::none);
  // A third member arriving starts a rebalance.
  std::string c = f.new_member();
  CHECK_FALSE(f.g.join(group_fixture::request(c), f.now));
  CHECK(f.g.state() == group_state::preparing_rebalance);
  CHECK(f.g.heartbeat(follower, 1, f.now) == error_code::rebalance_in_progress);
  CHECK(f.g.heartbeat(leader, 1, f.now) == error_code::rebalance_in_progress);
  // A sync of the old generation also learns of the rebalance.
  auto s = f.g.sync(follower, 1, {}, f.now);
  REQUIRE(s);
  CHECK(s->error == error_code::rebalance_in_progress);
}

TEST_CASE("a sync or heartbeat with a stale generation gets ILLEGAL_GENERATION", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  CHECK(f.g.heartbeat(follower, 0, f.now) == error_code::illegal_generation);
  CHECK(f.g.heartbeat(follower, 2, f.now) == error_code::illegal_generation);
  auto s = f.g.sync(follower, 0, {}, f.now);
  REQUIRE(s);
  CHECK(s->error == error_code::illegal_generation);
}

TEST_CASE("requests from an unknown member get UNKNOWN_MEMBER_ID", "[group]") {
  group_fixture f;
  f.stable_pair();
  auto j = f.g.join(group_fixture::request("ghost"), f.now);
  REQUIRE(j);
  CHECK(j->error == error_code::unknown_member_id);
  CHECK(f.g.heartbeat("ghost", 1, f.now) == error_code::unknown_member_id);
  auto s = f.g.sync("ghost", 1, {}, f.now);
  REQUIRE(s);
  CHECK(s->error == error_code::unknown_member_id);
  CHECK(f.g.leave("ghost", f.now) == error_code::unknown_member_id);
  CHECK(f.g.state() == group_state::stable);
}

TEST_CASE("an expired session removes the member and rebalances the rest", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  // Only the leader keeps heartbeating.
  for (int i = 0; i < 4; ++i) {
    f.now += 3000;
    CHECK(f.g.heartbeat(leader, 1, f.now) == error_code::none);
    f.g.tick(f.now);
  }
  CHECK_FALSE(f.g.has_member(follower));
  CHECK(f.g.state() == group_state::preparing_rebalance);
  CHECK(f.g.heartbeat(leader, 1, f.now) == error_code::rebalance_in_progress);
  CHECK_FALSE(f.g.join(group_fixture::request(leader), f.now));
  auto c = f.g.take_completions();
  auto j = group_fixture::join_of(c, leader);
  REQUIRE(j);
  CHECK(j->generation == 2);
  REQUIRE(j->members.size() == 1);
  CHECK(j->members[0].member_id == leader);
}

TEST_CASE("the rebalance timeout drops members that did not rejoin", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  // The follower rejoins with a new subscription; the leader never rejoins
  // but keeps heartbeating, which does not save it.
  CHECK_FALSE(f.g.join(group_fixture::request(follower, {{"range", {7}}}), f.now));
  CHECK(f.g.state() == group_state::preparing_rebalance);
  f.now += 29999;
  CHECK(f.g.heartbeat(leader, 1, f.now) == error_code::rebalance_in_progress);
  f.g.tick(f.now);
  CHECK(f.g.take_completions().empty());
  f.now += 1;
  f.g.tick(f.now);
  auto c = f.g.take_completions();
  auto j = group_fixture::join_of(c, follower);
  REQUIRE(j);
  CHECK(j->error == error_code::none);
  CHECK(j->generation == 2);
  CHECK(j->leader == follower); // the old leader is gone; a rejoined member leads
  REQUIRE(j->members.size() == 1);
  CHECK(j->members[0].metadata == bytes{7});
  CHECK_FALSE(f.g.has_member(leader));
  CHECK(f.g.heartbeat(leader, 2, f.now) == error_code::unknown_member_id);
}

TEST_CASE("a leaving member triggers a rebalance", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  CHECK(f.g.leave(follower, f.now) == error_code::none);
  CHECK_FALSE(f.g.has_member(follower));
  CHECK(f.g.state() == group_state::preparing_rebalance);
  CHECK_FALSE(f.g.join(group_fixture::request(leader), f.now));
  auto j = group_fixture::join_of(f.g.take_completions(), leader);
  REQUIRE(j);
  CHECK(j->generation == 2);
  // The last member leaving empties the group and bumps the generation.
  CHECK(f.g.leave(leader, f.now) == error_code::none);
  CHECK(f.g.state() == group_state::empty);
  CHECK(f.g.leader().empty());
  CHECK(f.g.generation() == 3);
}

TEST_CASE("the leader leaving before its sync releases waiting followers with REBALANCE_IN_PROGRESS",
          "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  f.g.join(group_fixture::request(a), f.now);
  f.g.join(group_fixture::request(b), f.now);
  f.g.take_completions();
  CHECK_FALSE(f.g.sync(b, 1, {}, f.now));
  CHECK(f.g.leave(a, f.now) == error_code::none);
  auto s = group_fixture::sync_of(f.g.take_completions(), b);
  REQUIRE(s);
  CHECK(s->error == error_code::rebalance_in_progress);
  CHECK(f.g.leader() == b);
}

TEST_CASE("a member that never syncs is removed once the rebalance timeout passes", "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  f.g.join(group_fixture::request(a), f.now);
  f.g.join(group_fixture::request(b), f.now);
  f.g.take_completions();
  REQUIRE(f.g.sync(a, 1, {{a, {1}}, {b, {2}}}, f.now));
  // b heartbeats (keeping its session) but never syncs.
  for (int i = 0; i < 9; ++i) {
    f.now += 3000;
    f.g.heartbeat(b, 1, f.now);
    f.g.heartbeat(a, 1, f.now);
    f.g.tick(f.now);
  }
  CHECK(f.g.state() == group_state::stable);
  f.now += 3000;
  f.g.tick(f.now);
  CHECK_FALSE(f.g.has_member(b));
  CHECK(f.g.state() == group_state::preparing_rebalance);
}

TEST_CASE("a follower's repeated join in Stable gets the current generation at once", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  auto j = f.g.join(group_fixture::request(follower), f.now);
  REQUIRE(j);
  CHECK(j->error == error_code::none);
  CHECK(j->generation == 1);
  CHECK(j->members.empty());
  CHECK(f.g.state() == group_state::stable);
}

TEST_CASE("protocol selection takes the most-voted protocol every member supports", "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  std::string c = f.new_member();
  f.g.join(group_fixture::request(a, {{"roundrobin", {}}, {"range", {}}}), f.now);
  f.g.join(group_fixture::request(b, {{"sticky", {}}, {"range", {}}, {"roundrobin", {}}}), f.now);
  f.g.join(group_fixture::request(c, {{"range", {}}, {"roundrobin", {}}}), f.now);
  auto done = f.g.take_completions();
  REQUIRE(done.joins.size() == 3);
  // "sticky" is not common; b and c vote range, a votes roundrobin.
  CHECK(f.g.protocol_name() == "range");
  CHECK(done.joins[0].second.protocol_name == "range");
}

TEST_CASE("a join without a common protocol gets INCONSISTENT_GROUP_PROTOCOL", "[group]") {
  group_fixture f;
  auto [leader, follower] = f.stable_pair();
  std::string c = f.new_member();
  auto r = f.g.join(group_fixture::request(c, {{"roundrobin", {}}}), f.now);
  REQUIRE(r);
  CHECK(r->error == error_code::inconsistent_group_protocol);
  auto other_type = group_fixture::request("");
  other_type.protocol_type = "connect";
  auto r2 = f.g.join(other_type, f.now);
  REQUIRE(r2);
  CHECK(r2->error == error_code::inconsistent_group_protocol);
  auto bad_timeout = group_fixture::request("");
  bad_timeout.session_timeout_ms = 10;
  auto r3 = f.g.join(bad_timeout, f.now);
  REQUIRE(r3);
  CHECK(r3->error == error_code::invalid_session_timeout);
}

TEST_CASE("the first rebalance of an empty group waits out the initial delay", "[group]") {
  auto cfg = group_fixture::config();
  cfg.initial_rebalance_delay_ms = 3000;
  group_fixture f;
  f.g = group_coordinator{cfg};
  std::string a = f.new_member();
  CHECK_FALSE(f.g.join(group_fixture::request(a), f.now));
  f.now += 2000;
  f.g.tick(f.now);
  CHECK(f.g.take_completions().empty());
  // b arrives within the delay, so the delay is extended once more.
  std::string b = f.new_member();
  CHECK_FALSE(f.g.join(group_fixture::request(b), f.now));
  f.now += 1000;
  f.g.tick(f.now);
  CHECK(f.g.take_completions().empty());
  f.now += 3000;
  f.g.tick(f.now);
  auto c = f.g.take_completions();
  CHECK(c.joins.size() == 2);
  CHECK(f.g.generation() == 1);
}

TEST_CASE("a pending member that never rejoins expires and stops blocking the join", "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  f.new_member(); // never comes back
  CHECK_FALSE(f.g.join(group_fixture::request(a), f.now));
  CHECK(f.g.take_completions().empty());
  f.now += 10000;
  f.g.tick(f.now);
  auto j = group_fixture::join_of(f.g.take_completions(), a);
  REQUIRE(j);
  CHECK(j->generation == 1);
}

TEST_CASE("unload answers parked requests with NOT_COORDINATOR", "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  std::string b = f.new_member();
  f.g.join(group_fixture::request(a), f.now);
  f.g.unload();
  auto c = f.g.take_completions();
  auto j = group_fixture::join_of(c, a);
  REQUIRE(j);
  CHECK(j->error == error_code::not_coordinator);
  CHECK(f.g.state() == group_state::dead);
  CHECK(f.g.heartbeat(a, 0, f.now) == error_code::coordinator_not_available);
  auto r = f.g.join(group_fixture::request(b), f.now);
  REQUIRE(r);
  CHECK(r->error == error_code::coordinator_not_available);
}

TEST_CASE("a second join from a waiting member answers the first with REBALANCE_IN_PROGRESS",
          "[group]") {
  group_fixture f;
  std::string a = f.new_member();
  f.new_member(); // keeps the join phase open
  CHECK_FALSE(f.g.join(group_fixture::request(a), f.now));
  CHECK_FALSE(f.g.join(group_fixture::request(a), f.now));
  auto c = f.g.take_completions();
  REQUIRE(c.joins.size() == 1);
  CHECK(c.joins[0].first == a);
  CHECK(c.joins[0].second.error == error_code::rebalance_in_progress);
  // The second join is the one the rebalance answers.
  f.now += 30000;
  f.g.tick(f.now);
  auto j = group_fixture::join_of(f.g.take_completions(), a);
  REQUIRE(j);
  CHECK(j->error == error_code::none);
  CHECK(j->generation == 1);
}
