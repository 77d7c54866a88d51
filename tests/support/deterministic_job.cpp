#include "tests/support/deterministic_job.hpp"

#include <random>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/executor.hpp"
#include "actors/type_ids.hpp"

namespace rivulet::testing {

deterministic_run run_deterministic(const stream_environment& env, std::uint64_t seed,
                                    std::string job_name) {
  caf::actor_system_config cfg;
  actors::register_types(cfg);
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  auto job = actors::launch_job(sys, env, std::move(job_name));
  auto& outcome = job.outcome;
  deterministic_run run;
  std::mt19937_64 rng{seed};
  for (;;) {
    if (sched.has_job()) {
      auto& jobs = sched.jobs;
      auto pick = static_cast<std::size_t>(rng() % jobs.size());
      // Move the chosen actor to the front, keeping the others' order.
      std::rotate(jobs.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(pick),
                  jobs.begin() + static_cast<std::ptrdiff_t>(pick) + 1);
      sched.run_once();
      ++run.steps;
    } else if (sched.has_pending_timeout()) {
      sched.trigger_timeout();
      ++run.timer_jumps;
    } else {
      break;
    }
  }
  job.supervisor = nullptr;
  if (outcome->ready()) {
    run.result = outcome->get();
  } else {
    run.result.status = job_status::failed;
    run.result.error = "job stalled: no actor has mail and no timer is pending";
  }
  return run;
}

} // namespace rivulet::testing
