#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/job_supervisor.hpp"
#include "runtime/datastream.hpp"

namespace rivulet::actors {

/// A launched job: the outcome to wait on and the supervisor. Keep the
/// handle until the outcome is ready: an actor nobody references is
/// terminated by CAF as unreachable.
struct launched_job {
  std::shared_ptr<job_outcome> outcome;
  caf::actor supervisor;
};

/// Plans the environment's graph and spawns its supervisor on `sys`. A
/// graph or config that cannot run gives an outcome that is already set to
/// a failed result naming the problem (and no supervisor).
launched_job launch_job(caf::actor_system& sys, const stream_environment& env, std::string job_name);

/// Fills `cfg` for a threaded system sized by the job config: rivulet's
/// message types and the scheduler's thread count.
void configure_system(caf::actor_system_config& cfg, const job_config& job);

} // namespace rivulet::actors
