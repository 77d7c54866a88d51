// The group coordinator actor over a three-replica offsets partition:
// membership and rebalances driven by real members (tests/support/
// group_consumer.hpp), committed offsets that survive a coordinator restart,
// groups sharing one partition, and commits that fail. Threaded runtime with
// short session timeouts; every wait is for a condition, with a deadline.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/executor.hpp"
#include "actors/group_coordinator_actor.hpp"
#include "actors/replica_supervisor.hpp"
#include "actors/type_ids.hpp"
#include "tests/support/fake_offsets_partition.hpp"
#include "tests/support/group_consumer.hpp"
#include "tests/support/replica_group.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace std::chrono_literals;
using rivulet::testing::group_consumer;
using rivulet::testing::group_consumer_config;
using rivulet::testing::fake_partition;

namespace {

using clock_type = std::chrono::steady_clock;

/// What the members reported last, by member name.
struct member_view {
  std::int32_t generation = -1;
  std::string member_id;
  std::string partitions; // "t-0,t-1", after "assigned"
  bool assigned = false;
  int rebalances = 0; // heartbeats answered REBALANCE_IN_PROGRESS
  bool left = false;
};
using group_view = std::map<std::string, member_view>;

/// A supervised three-replica offsets partition, the coordinators and
/// members spawned over it, and an observer for the members' reports.
struct fixture {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  rivulet::testing::temp_dir dir;
  caf::actor sup;
  caf::actor leader;
  std::vector<caf::actor> spawned;
  std::uint64_t seed = 1;

  explicit fixture(bool with_partition = true) {
    configure_system(cfg, job_config{});
    sys.emplace(cfg);
    if (!with_partition)
      return;
    replica_supervisor_config sc;
    sc.replicas = rivulet::testing::three_replicas(dir.path(), 50, 500);
    sc.restart_delay = 5ms;
    sup = spawn_replica_supervisor(*sys, sc);
    leader = wait_for_leader();
  }

  ~fixture() {
    caf::scoped_actor self{*sys};
    for (auto& a : spawned)
      self->send_exit(a, caf::exit_reason::kill);
    if (sup)
      self->send_exit(sup, caf::exit_reason::user_shutdown);
    spawned.clear();
    leader = nullptr;
    sup = nullptr;
  }

  peers_msg replicas() {
    caf::scoped_actor self{*sys};
    peers_msg out;
    self->request(sup, 1s, replicas_atom_v).receive([&](peers_msg& m) { out = std::move(m); },
                                                     [](const caf::error&) {});
    return out;
  }

  /// The replica that leads and has committed its first entry (so its high
  /// watermark covers everything acknowledged before). Deadline 15 s.
  caf::actor wait_for_leader(bool want_follower = false) {
    caf::scoped_actor self{*sys};
    auto deadline = clock_type::now() + 15s;
    while (clock_type::now() < deadline) {
      auto m = replicas();
      for (auto& r : m.replicas) {
        std::optional<replica_status> s;
        self->request(r, 1s, status_atom_v).receive([&](const replica_status& x) { s = x; }, [](const caf::error&) {});
        if (!s || s->leader == 0 || s->high_watermark == 0)
          continue;
        if ((s->leader == s->id) != want_follower)
          return r;
      }
    }
    return nullptr;
  }

  caf::actor coordinator(const std::string& group, caf::actor partition = nullptr,
                         std::int32_t initial_delay_ms = 0, std::chrono::milliseconds request_timeout = 3s) {
    group_coordinator_config gc;
    gc.group_id = group;
    gc.group.min_session_timeout_ms = 100;
    gc.group.initial_rebalance_delay_ms = initial_delay_ms;
    gc.group.member_id_seed = seed++;
    gc.tick_interval = 20ms;
    gc.request_timeout = request_timeout;
    gc.offsets_partition = partition ? partition : leader;
    auto c = spawn_group_coordinator(*sys, gc);
    spawned.push_back(c);
    return c;
  }

  caf::actor member(caf::actor coord, const std::string& group, const std::string& name, caf::actor observer) {
    group_consumer_config mc;
    mc.coordinator = coord;
    mc.group_id = group;
    mc.name = name;
    mc.topics = {"t"};
    mc.counts = {{"t", 6}};
    mc.observer = observer;
    auto m = sys->spawn(group_consumer, mc);
    spawned.push_back(m);
    return m;
  }

  template <class Request, class Reply>
  std::optional<Reply> ask(const caf::actor& to, const Request& req) {
    caf::scoped_actor self{*sys};
    std::optional<Reply> out;
    self->request(to, 5s, req).receive([&](const Reply& r) { out = r; }, [](const caf::error&) {});
    return out;
  }

  offset_commit_reply commit(const caf::actor& coord, const offset_commit_request& req) {
    return ask<offset_commit_request, offset_commit_reply>(coord, req).value_or(offset_commit_reply{});
  }

  /// OffsetFetch of every partition, once the coordinator has loaded
  /// (it answers COORDINATOR_LOAD_IN_PROGRESS before). Deadline 10 s.
  std::optional<offset_fetch_reply> fetch_when_loaded(const caf::actor& coord, const std::string& group) {
    auto deadline = clock_type::now() + 10s;
    while (clock_type::now() < deadline) {
      auto r = ask<offset_fetch_request, offset_fetch_reply>(coord, offset_fetch_request{group, false, {}});
      if (r && r->error_code != 14)
        return r;
    }
    return std::nullopt;
  }
};

/// Reads member reports into `v` until `pred(v)` holds; false at the deadline.
template <class Pred>
bool await_members(caf::scoped_actor& obs, group_view& v, Pred pred, std::chrono::milliseconds timeout = 15s) {
  auto deadline = clock_type::now() + timeout;
  while (!pred(v)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left <= 0ms)
      return false;
    obs->receive(
      [&](const std::string& name, const std::string& event, std::int32_t gen, const std::string& id,
          const std::string& detail) {
        auto& m = v[name];
        m.generation = gen;
        m.member_id = id;
        if (event == "assigned") {
          m.assigned = true;
          m.partitions = detail;
        } else if (event == "rebalance") {
          m.assigned = false;
          ++m.rebalances;
        } else if (event == "left") {
          m.left = true;
        } else if (event == "error") {
          m.assigned = false;
          UNSCOPED_INFO(name << ": " << detail);
        }
      },
      caf::after(left) >> [] {});
  }
  return true;
}

/// True when exactly `names` hold assignments of one generation above
/// `above` that split partitions t-0..t-5 among them.
bool split_among(const group_view& v, const std::vector<std::string>& names, std::int32_t above) {
  std::set<std::string> all;
  std::size_t count = 0;
  std::int32_t gen = -1;
  for (const auto& n : names) {
    auto it = v.find(n);
    if (it == v.end() || !it->second.assigned || it->second.generation <= above)
      return false;
    if (gen != -1 && it->second.generation != gen)
      return false;
    gen = it->second.generation;
    std::string parts = it->second.partitions;
    for (std::size_t pos = 0; pos < parts.size();) {
      auto end = parts.find(',', pos);
      if (end == std::string::npos)
        end = parts.size();
      all.insert(parts.substr(pos, end - pos));
      ++count;
      pos = end + 1;
    }
  }
  return count == 6 && all.size() == 6;
}

offset_commit_partition offset_of(std::string topic, std::int32_t p, std::int64_t offset, std::string meta = {}) {
  return {std::move(topic), p, offset, !meta.empty(), meta};
}

/// "topic-p=offset" per fetched partition, for comparing whole answers.
std::vector<std::string> offsets_in(const offset_fetch_reply& r) {
  std::vector<std::string> out;
  for (const auto& p : r.partitions)
    out.push_back(p.topic + "-" + std::to_string(p.partition) + "=" + std::to_string(p.offset)
                  + (p.has_metadata ? "/" + p.metadata : ""));
  return out;
}

void kill_and_wait(caf::actor_system& sys, const caf::actor& a) {
  caf::scoped_actor self{sys};
  self->monitor(a);
  self->send_exit(a, caf::exit_reason::kill);
  self->receive([](const caf::down_msg&) {}, caf::after(5s) >> [] { FAIL("actor did not stop"); });
}

} // namespace

TEST_CASE("two members join and each gets half of a range assignment its leader computed", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto coord = f.coordinator("g");
  caf::scoped_actor obs{*f.sys};
  group_view v;
  f.member(coord, "g", "a", obs);
  f.member(coord, "g", "b", obs);
  REQUIRE(await_members(obs, v, [](const group_view& x) { return split_among(x, {"a", "b"}, 0); }));
  // Range: the member with the smaller id gets the first half.
  auto first = v["a"].member_id < v["b"].member_id ? "a" : "b";
  auto second = std::string(first) == "a" ? "b" : "a";
  CHECK(v[first].partitions == "t-0,t-1,t-2");
  CHECK(v[second].partitions == "t-3,t-4,t-5");
}

TEST_CASE("a third member joining makes the others rejoin into a new generation", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto coord = f.coordinator("g");
  caf::scoped_actor obs{*f.sys};
  group_view v;
  f.member(coord, "g", "a", obs);
  f.member(coord, "g", "b", obs);
  REQUIRE(await_members(obs, v, [](const group_view& x) { return split_among(x, {"a", "b"}, 0); }));
  auto gen = v["a"].generation;
  f.member(coord, "g", "c", obs);
  REQUIRE(await_members(obs, v, [&](const group_view& x) { return split_among(x, {"a", "b", "c"}, gen); }));
  CHECK(v["a"].rebalances >= 1);
  CHECK(v["b"].rebalances >= 1);
  for (auto n : {"a", "b", "c"})
    CHECK(v[n].partitions.size() == std::string("t-0,t-1").size());
}

TEST_CASE("a member that leaves hands its partitions to the rest", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto coord = f.coordinator("g");
  caf::scoped_actor obs{*f.sys};
  group_view v;
  f.member(coord, "g", "a", obs);
  auto b = f.member(coord, "g", "b", obs);
  REQUIRE(await_members(obs, v, [](const group_view& x) { return split_among(x, {"a", "b"}, 0); }));
  auto gen = v["a"].generation;
  obs->send(b, std::string("leave"));
  REQUIRE(await_members(obs, v, [&](const group_view& x) { return x.at("b").left && split_among(x, {"a"}, gen); }));
  CHECK(v["a"].rebalances >= 1);
  CHECK(v["a"].partitions == "t-0,t-1,t-2,t-3,t-4,t-5");
}

TEST_CASE("a member that stops heartbeating is removed after its session timeout", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto coord = f.coordinator("g");
  caf::scoped_actor obs{*f.sys};
  group_view v;
  f.member(coord, "g", "a", obs);
  auto b = f.member(coord, "g", "b", obs);
  REQUIRE(await_members(obs, v, [](const group_view& x) { return split_among(x, {"a", "b"}, 0); }));
  auto gen = v["a"].generation;
  auto silenced = clock_type::now();
  kill_and_wait(*f.sys, b);
  REQUIRE(await_members(obs, v, [&](const group_view& x) { return split_among(x, {"a"}, gen); }));
  // Not before b's 300 ms session could have passed.
  CHECK(clock_type::now() - silenced >= 250ms);
  CHECK(v["a"].rebalances >= 1);
}

TEST_CASE("offsets committed before a coordinator dies are served by its successor", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto first = f.coordinator("g");
  REQUIRE(f.fetch_when_loaded(first, "g"));
  auto r = f.commit(first, {"g", "", -1, {offset_of("t", 0, 42, "ckpt-7"), offset_of("t", 1, 7)}});
  REQUIRE(r.partitions.size() == 2);
  CHECK(r.partitions[0].error_code == 0);
  CHECK(r.partitions[1].error_code == 0);
  r = f.commit(first, {"g", "", -1, {offset_of("t", 1, 9)}});
  CHECK(r.partitions.at(0).error_code == 0);
  auto before = f.fetch_when_loaded(first, "g");
  REQUIRE(before);
  CHECK(offsets_in(*before) == std::vector<std::string>{"t-0=42/ckpt-7", "t-1=9"});

  kill_and_wait(*f.sys, first);
  auto second = f.coordinator("g");
  auto after = f.fetch_when_loaded(second, "g");
  REQUIRE(after);
  CHECK(after->error_code == 0);
  CHECK(offsets_in(*after) == offsets_in(*before));
}

TEST_CASE("transactional offsets count only when their transaction commits, and only its epoch's", "[group][txn]") {
  fixture f;
  REQUIRE(f.leader);
  auto c = f.coordinator("g");
  REQUIRE(f.fetch_when_loaded(c, "g"));
  auto txn_commit = [&](std::int16_t epoch, std::int64_t offset) {
    offset_commit_request req{"g", "", -1, {offset_of("t", 0, offset)}, 5, epoch};
    return f.commit(c, req).partitions.at(0).error_code;
  };
  auto end = [&](std::int16_t epoch, bool commit) {
    auto r = f.ask<txn_offsets_end, txn_reply>(c, txn_offsets_end{"g", 5, commit, epoch});
    return r ? r->error_code : std::int16_t{-1};
  };
  auto offsets = [&] { return offsets_in(f.fetch_when_loaded(c, "g").value()); };
  CHECK(txn_commit(0, 10) == 0);
  CHECK(offsets().empty()); // pending until the transaction ends
  CHECK(end(0, false) == 0);
  CHECK(offsets().empty()); // aborted
  CHECK(txn_commit(1, 20) == 0);
  CHECK(txn_commit(0, 99) == 47); // a fenced instance's late commit: INVALID_PRODUCER_EPOCH
  CHECK(end(1, true) == 0);
  CHECK(offsets() == std::vector<std::string>{"t-0=20"});
  // A late commit of the old epoch after the end stays pending under it and
  // does not count when a later epoch's transaction commits.
  CHECK(txn_commit(0, 77) == 0);
  CHECK(end(2, true) == 0);
  CHECK(offsets() == std::vector<std::string>{"t-0=20"});
}

TEST_CASE("groups sharing the offsets partition see only their own offsets", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  auto g1 = f.coordinator("g1");
  auto g2 = f.coordinator("g2");
  REQUIRE(f.fetch_when_loaded(g1, "g1"));
  REQUIRE(f.fetch_when_loaded(g2, "g2"));
  CHECK(f.commit(g1, {"g1", "", -1, {offset_of("t", 0, 10)}}).partitions.at(0).error_code == 0);
  CHECK(f.commit(g2, {"g2", "", -1, {offset_of("t", 0, 20), offset_of("u", 0, 5)}}).partitions.at(1).error_code == 0);
  // A request for another group is not this coordinator's.
  CHECK(f.commit(g1, {"g2", "", -1, {offset_of("t", 0, 99)}}).partitions.at(0).error_code == 16);

  for (int round = 0; round < 2; ++round) {
    INFO((round == 0 ? "live coordinators" : "coordinators reloaded from the partition"));
    auto a = f.fetch_when_loaded(g1, "g1");
    auto b = f.fetch_when_loaded(g2, "g2");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(offsets_in(*a) == std::vector<std::string>{"t-0=10"});
    CHECK(offsets_in(*b) == std::vector<std::string>{"t-0=20", "u-0=5"});
    kill_and_wait(*f.sys, g1);
    kill_and_wait(*f.sys, g2);
    g1 = f.coordinator("g1");
    g2 = f.coordinator("g2");
  }
}

TEST_CASE("a commit the partition refuses is reported failed and not served", "[group]") {
  fixture f;
  auto follower = f.wait_for_leader(true);
  REQUIRE(follower);
  auto coord = f.coordinator("g", follower);
  REQUIRE(f.fetch_when_loaded(coord, "g"));
  auto r = f.commit(coord, {"g", "", -1, {offset_of("t", 0, 42)}});
  REQUIRE(r.partitions.size() == 1);
  CHECK(r.partitions[0].error_code == 16); // NOT_COORDINATOR: the follower refused the produce
  auto got = f.fetch_when_loaded(coord, "g");
  REQUIRE(got);
  CHECK(got->partitions.empty());
}

TEST_CASE("requests while the coordinator loads get COORDINATOR_LOAD_IN_PROGRESS", "[group]") {
  fixture f{false};
  auto partition = f.sys->spawn(fake_partition, true, 0);
  f.spawned.push_back(partition);
  auto coord = f.coordinator("g", partition);
  auto hb = f.ask<heartbeat_request, heartbeat_reply>(coord, {"g", "m", 1});
  REQUIRE(hb);
  CHECK(hb->error_code == 14);
  join_group_request jr;
  jr.group_id = "g";
  jr.session_timeout_ms = 300;
  jr.protocol_type = "consumer";
  jr.protocols = {{"range", ""}};
  auto j = f.ask<join_group_request, join_group_reply>(coord, jr);
  REQUIRE(j);
  CHECK(j->error_code == 14);
  auto s = f.ask<sync_group_request, sync_group_reply>(coord, {"g", "m", 1, {}});
  REQUIRE(s);
  CHECK(s->error_code == 14);
  auto l = f.ask<leave_group_request, leave_group_reply>(coord, {"g", "m"});
  REQUIRE(l);
  CHECK(l->error_code == 14);
  auto c = f.commit(coord, {"g", "", -1, {offset_of("t", 0, 1), offset_of("t", 1, 1)}});
  REQUIRE(c.partitions.size() == 2);
  CHECK(c.partitions[0].error_code == 14);
  CHECK(c.partitions[1].error_code == 14);
  auto o = f.ask<offset_fetch_request, offset_fetch_reply>(coord, {"g", false, {}});
  REQUIRE(o);
  CHECK(o->error_code == 14);

  caf::scoped_actor self{*f.sys};
  self->send(partition, run_atom_v);
  auto loaded = f.fetch_when_loaded(coord, "g");
  REQUIRE(loaded);
  CHECK(loaded->error_code == 0);
  CHECK(loaded->partitions.empty());
}

TEST_CASE("a commit the partition does not acknowledge in time leaves the last durable offset", "[group]") {
  fixture f{false};
  auto partition = f.sys->spawn(fake_partition, false, 1);
  f.spawned.push_back(partition);
  auto coord = f.coordinator("g", partition, 0, 200ms);
  REQUIRE(f.fetch_when_loaded(coord, "g"));
  CHECK(f.commit(coord, {"g", "", -1, {offset_of("t", 0, 5)}}).partitions.at(0).error_code == 0);
  auto r = f.commit(coord, {"g", "", -1, {offset_of("t", 0, 9), offset_of("t", 1, 3)}});
  REQUIRE(r.partitions.size() == 2);
  CHECK(r.partitions[0].error_code == 7); // REQUEST_TIMED_OUT
  CHECK(r.partitions[1].error_code == 7);
  auto got = f.fetch_when_loaded(coord, "g");
  REQUIRE(got);
  CHECK(offsets_in(*got) == std::vector<std::string>{"t-0=5"});
}

TEST_CASE("a coordinator whose offsets partition dies answers parked joins NOT_COORDINATOR and quits", "[group]") {
  fixture f;
  REQUIRE(f.leader);
  // A long initial delay keeps the first member's join parked.
  auto coord = f.coordinator("g-lost", nullptr, 60000);
  REQUIRE(f.fetch_when_loaded(coord, "g-lost"));
  caf::scoped_actor member{*f.sys};
  join_group_request jr;
  jr.group_id = "g-lost";
  jr.session_timeout_ms = 300;
  jr.rebalance_timeout_ms = 60000;
  jr.protocol_type = "consumer";
  jr.protocols = {{"range", ""}};
  auto first = f.ask<join_group_request, join_group_reply>(coord, jr);
  REQUIRE(first);
  REQUIRE(first->error_code == 79);
  jr.member_id = first->member_id;
  std::optional<join_group_reply> parked;
  auto join = member->request(coord, 10s, jr);
  // Same sender, FIFO: once the heartbeat is answered, the join is parked.
  member->request(coord, 5s, heartbeat_request{"g-lost", jr.member_id, 0})
    .receive([](const heartbeat_reply&) {}, [](const caf::error& e) { FAIL(caf::to_string(e)); });

  caf::scoped_actor watcher{*f.sys};
  watcher->monitor(coord);
  kill_and_wait(*f.sys, f.leader);
  join.receive([&](const join_group_reply& r) { parked = r; }, [](const caf::error& e) { FAIL(caf::to_string(e)); });
  REQUIRE(parked);
  CHECK(parked->error_code == 16);
  std::string reason;
  watcher->receive([&](const caf::down_msg& d) { reason = caf::to_string(d.reason); },
                   caf::after(5s) >> [] { FAIL("the coordinator did not quit"); });
  CHECK(reason.find("'g-lost'") != std::string::npos);
}
