// A replica that crashes is restarted from its directory by its
// supervisor and catches up with the group.

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/executor.hpp"
#include "actors/replica_supervisor.hpp"
#include "actors/type_ids.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/replica_group.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace std::chrono_literals;
using rivulet::testing::log_batches::make_batch;

namespace {

struct supervised_group {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  rivulet::testing::temp_dir dir;
  caf::actor sup;

  supervised_group() {
    configure_system(cfg, job_config{});
    sys.emplace(cfg);
    replica_supervisor_config sc;
    sc.replicas = rivulet::testing::three_replicas(dir.path(), 3, 90);
    sc.restart_delay = 5ms;
    sup = spawn_replica_supervisor(*sys, sc);
  }

  ~supervised_group() {
    caf::scoped_actor self{*sys};
    self->send_exit(sup, caf::exit_reason::user_shutdown);
    sup = nullptr;
  }

  peers_msg replicas() {
    caf::scoped_actor self{*sys};
    peers_msg out;
    self->request(sup, 1s, replicas_atom_v).receive([&](peers_msg& m) { out = std::move(m); },
                                                     [](const caf::error&) {});
    return out;
  }

  caf::actor handle(std::int64_t id) {
    auto m = replicas();
    for (std::size_t i = 0; i < m.ids.size(); ++i)
      if (m.ids[i] == id)
        return m.replicas[i];
    return caf::actor{};
  }

  std::optional<replica_status> status(std::int64_t id) {
    auto h = handle(id);
    if (!h)
      return std::nullopt;
    caf::scoped_actor self{*sys};
    std::optional<replica_status> out;
    self->request(h, 1s, status_atom_v).receive([&](const replica_status& s) { out = s; }, [](const caf::error&) {});
    return out;
  }

  /// Asks round after round until `pred` holds (deadline 15 s).
  template <class Pred>
  bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline)
      if (pred())
        return true;
    return false;
  }

  produce_reply produce(std::int64_t id, std::string batch) {
    caf::scoped_actor self{*sys};
    produce_reply out;
    self->request(handle(id), 5s, produce_request{std::move(batch), -1})
      .receive([&](const produce_reply& r) { out = r; }, [&](const caf::error& e) { out.error = caf::to_string(e); });
    return out;
  }

  std::string fetch_all(std::int64_t id) {
    caf::scoped_actor self{*sys};
    std::string out;
    self->request(handle(id), 5s, fetch_request{0, 64 << 20})
      .receive([&](const fetch_reply& r) { out = r.batches; }, [](const caf::error&) {});
    return out;
  }
};

} // namespace

TEST_CASE("a crashed replica is restarted from disk and catches up", "[actors][partition]") {
  supervised_group g;
  std::int64_t leader = 0;
  REQUIRE(g.eventually([&] {
    for (std::int64_t id = 1; id <= 3; ++id)
      if (auto s = g.status(id); s && s->leader == id)
        return (leader = id) != 0;
    return false;
  }));
  for (int i = 0; i < 15; ++i)
    REQUIRE(g.produce(leader, make_batch(2, 16, 100 + i)).ok);

  auto victim = leader == 3 ? 2 : 3;
  auto old_handle = g.handle(victim);
  REQUIRE(old_handle);
  {
    caf::scoped_actor self{*g.sys};
    self->send_exit(old_handle, caf::exit_reason::kill);
  }
  REQUIRE(g.eventually([&] {
    auto h = g.handle(victim);
    return h && h != old_handle;
  }));
  std::int64_t leader_now = 0;
  REQUIRE(g.eventually([&] {
    for (std::int64_t id = 1; id <= 3; ++id)
      if (auto s = g.status(id); s && s->leader == id)
        return (leader_now = id) != 0;
    return false;
  }));
  for (int i = 0; i < 15; ++i)
    REQUIRE(g.produce(leader_now, make_batch(2, 16, 200 + i)).ok);
  auto leader_hw = g.status(leader_now)->high_watermark;
  REQUIRE(g.eventually([&] {
    auto s = g.status(victim);
    return s && s->high_watermark >= leader_hw;
  }));
  // Same bytes up to the leader's high watermark when we asked.
  auto theirs = g.fetch_all(leader_now);
  auto mine = g.fetch_all(victim);
  REQUIRE(mine.size() >= 30 * 61);
  CHECK(theirs.substr(0, mine.size()) == mine);
}
