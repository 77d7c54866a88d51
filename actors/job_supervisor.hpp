#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <caf/fwd.hpp>

#include "runtime/job_graph.hpp"
#include "runtime/job_result.hpp"
#include "runtime/plan.hpp"

namespace rivulet::actors {

/// Where the supervisor leaves the job's result; the caller waits on it.
class job_outcome {
public:
  void set(job_result r);
  bool ready() const;
  /// Blocks until set() (threaded scheduler only).
  job_result wait();
  /// The result, once ready().
  job_result get() const;

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool ready_ = false;
  job_result result_;
};

struct job_spec {
  std::string name;
  std::shared_ptr<const job_graph> graph;
  std::shared_ptr<const physical_plan> plan;
  job_config cfg;
  std::shared_ptr<job_outcome> outcome;
};

/// Spawns the supervisor of one job run. It spawns and monitors every task
/// instance, wires and starts them, restarts the whole job per the restart
/// strategy when one fails, and sets the outcome once no task is alive.
caf::actor spawn_job_supervisor(caf::actor_system& sys, job_spec spec);

} // namespace rivulet::actors
