#include "actors/executor.hpp"

#include <caf/all.hpp>

#include "actors/environment.hpp"
#include "actors/type_ids.hpp"

namespace rivulet::actors {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::rivulet>();
  cfg.add_message_types<caf::id_block::rivulet_group>();
  cfg.add_message_types<caf::id_block::rivulet_node>();
}

void configure_system(caf::actor_system_config& cfg, const job_config& job) {
  register_types(cfg);
  // CAF defaults to max(cores, 4) threads; on small machines that only adds
  // contention.
  cfg.set("scheduler.max-threads", static_cast<size_t>(job.effective_threads()));
  // CAF lets an actor run until its mailbox is empty. A source sends itself
  // its next step, so it would keep a thread until it ran out of credit and
  // starve the tasks downstream of it (seen as window latency); a bound
  // makes actors take turns.
  cfg.set("scheduler.max-throughput", static_cast<size_t>(job.max_messages_per_turn));
  // An idle CAF worker polls, then sleeps between polls, by default up to
  // 10 ms. A message sent to an idle system then waits that long, which
  // a request/reply chain (producer -> leader -> followers -> leader)
  // pays at every hop. A 1 ms sleep keeps idle CPU low and hops short.
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(1)});
}

launched_job launch_job(caf::actor_system& sys, const stream_environment& env, std::string job_name) {
  auto outcome = std::make_shared<job_outcome>();
  auto failed = [&](std::string why) {
    job_result r;
    r.job_name = job_name;
    r.status = job_status::failed;
    r.error = std::move(why);
    outcome->set(std::move(r));
    return launched_job{outcome, caf::actor{}};
  };
  if (auto err = env.config().validate(); !err.empty())
    return failed("invalid job config: " + err);
  if (env.graph().nodes().empty())
    return failed("the job has no operators");
  std::shared_ptr<const physical_plan> plan;
  try {
    plan = std::make_shared<const physical_plan>(env.plan());
  } catch (const std::exception& e) {
    return failed(std::string("cannot plan the job: ") + e.what());
  }
  auto sup = spawn_job_supervisor(sys, job_spec{std::move(job_name), env.shared_graph(), plan, env.config(), outcome});
  return launched_job{outcome, std::move(sup)};
}

} // namespace rivulet::actors

namespace rivulet {

job_result environment::execute(std::string job_name) {
  caf::actor_system_config cfg;
  actors::configure_system(cfg, config());
  caf::actor_system sys{cfg};
  auto job = actors::launch_job(sys, *this, std::move(job_name));
  return job.outcome->wait();
  // ~actor_system waits for the supervisor, which quits only after every
  // task actor has stopped.
}

} // namespace rivulet
