#pragma once

// A whole embedded topic-store cluster inside one deterministic simulation:
// CAF's testing scheduler runs one message at a time on the calling thread,
// the next actor is a seeded choice among those with mail, virtual time
// jumps to the next timer only when no actor can run, and a seeded
// network_faults injector sits on every node-to-node message. Before each
// message is processed the simulation peeks at it and shows raft traffic to
// a raft_wire_checker, so raft safety is checked after every step. The same
// seed replays the same run.
//
// Test code only; not thread safe (everything runs on the caller's thread).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/embedded_cluster.hpp"
#include "runtime/cluster/network_faults.hpp"
#include "tests/support/raft_wire_checker.hpp"
#include "tests/support/temp_dir.hpp"

namespace rivulet::testing {

struct cluster_sim_config {
  std::uint64_t seed = 1;
  int nodes = 3;
  std::chrono::milliseconds tick{10};
  /// The nodes' own request timeout (controller reads, forwarding, reports).
  std::chrono::milliseconds request_timeout{500};
  /// Random faults; the seed is derived from `seed`.
  cluster::network_fault_config faults;
  /// Bound on messages processed plus timers fired over the whole run.
  std::uint64_t max_steps = 20'000'000;
};

class cluster_sim {
public:
  explicit cluster_sim(cluster_sim_config cfg);
  /// Shuts down (see shutdown()) if the test did not.
  ~cluster_sim();
  cluster_sim(const cluster_sim&) = delete;
  cluster_sim& operator=(const cluster_sim&) = delete;

  caf::actor_system& system() { return *sys_; }
  actors::embedded_cluster& cluster() { return *cluster_; }
  cluster::network_faults& faults() { return *faults_; }
  const cluster::network_faults& faults() const { return *faults_; }
  const raft_wire_checker& checker() const { return checker_; }

  /// Virtual time since the start.
  std::chrono::milliseconds now() const;

  /// Processes one message of a seeded choice of actor or, when no actor
  /// has mail, fires the next timer. False when neither exists or the step
  /// budget is spent.
  bool step();
  /// Runs until virtual time has advanced by `d` (or nothing is left to run).
  void run_for(std::chrono::milliseconds d);
  /// Runs until `done()` holds, checked after every step, or until `limit`
  /// of virtual time has passed. Returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

  /// Sends `req` to `to` from a helper actor and runs the simulation until
  /// the reply, an error or `timeout` (virtual). Nullopt unless a Reply came.
  template <class Reply, class Request>
  std::optional<Reply> ask(const caf::actor& to, Request req, std::chrono::milliseconds timeout) {
    if (!to)
      return std::nullopt;
    auto out = std::make_shared<std::optional<Reply>>();
    auto done = std::make_shared<bool>(false);
    auto helper = sys_->spawn([to, timeout, req, out, done](caf::event_based_actor* self) mutable {
      self->request(to, timeout, std::move(req))
        .then(
          [out, done](Reply& r) {
            *out = std::move(r);
            *done = true;
          },
          [done](caf::error&) { *done = true; });
    });
    run_until([&] { return *done; }, timeout * 2);
    return std::move(*out);
  }

  /// Stops the cluster, sends `also` (e.g. clients) an exit and runs until
  /// every actor has terminated and no timer is left. False if some actor
  /// is still alive then (the system is then not awaited on destruction).
  bool shutdown(const std::vector<caf::actor>& also = {});

  struct counters {
    std::uint64_t steps = 0;        ///< messages processed
    std::uint64_t timer_jumps = 0;  ///< timers fired with nobody able to run
  };
  counters stats() const noexcept { return stats_; }
  /// False once the step budget is spent (the run is then cut short).
  bool within_budget() const noexcept { return stats_.steps + stats_.timer_jumps < cfg_.max_steps; }

private:
  void observe_next();

  cluster_sim_config cfg_;
  // Declared first so that it is removed last, after every file is closed.
  // On a tmpfs when there is one: the replicas sync their raft hard state on
  // every change, which would otherwise make the run wait on the disk.
  temp_dir dir_;
  std::shared_ptr<cluster::network_faults> faults_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  caf::actor_clock::time_point start_;
  std::unique_ptr<actors::embedded_cluster> cluster_;
  std::mt19937_64 rng_;
  raft_wire_checker checker_;
  counters stats_;
  bool shut_down_ = false;
};

} // namespace rivulet::testing
