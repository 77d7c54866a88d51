#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "runtime/job_graph.hpp"
#include "runtime/plan.hpp"

namespace rivulet::actors {

/// What a task actor needs to build and run one task instance.
struct task_spec {
  std::shared_ptr<const job_graph> graph;
  std::shared_ptr<const physical_plan> plan;
  job_config cfg;
  int task = -1;
  int instance = -1;
};

/// Spawns the actor hosting instance `spec.instance` of task `spec.task`.
/// It waits for a wiring_msg, then start_atom; it reports task_done_msg or
/// task_failed_msg to the supervisor and then quits.
caf::actor spawn_task_actor(caf::local_actor* parent, task_spec spec, caf::actor supervisor);

} // namespace rivulet::actors
