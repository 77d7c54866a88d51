#include "tests/support/cluster_sim.hpp"

#include <algorithm>
#include <filesystem>

#include "actors/executor.hpp"
#include "actors/type_ids.hpp"

namespace rivulet::testing {

namespace {

// Distinct streams from one seed: scheduling, network faults.
constexpr std::uint64_t faults_salt = 0x9e3779b97f4a7c15ull;

std::filesystem::path sim_base_dir() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec))
    return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

} // namespace

cluster_sim::cluster_sim(cluster_sim_config cfg)
  : cfg_(std::move(cfg)), dir_("rivulet-sim", sim_base_dir()), rng_(cfg_.seed) {
  auto fc = cfg_.faults;
  fc.seed = cfg_.seed ^ faults_salt;
  faults_ = std::make_shared<cluster::network_faults>(fc);
  actors::register_types(sys_cfg_);
  sys_cfg_.set("scheduler.policy", caf::atom("testing"));
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  start_ = sched_->clock().now();
  actors::embedded_cluster_config ec;
  ec.base_dir = dir_.path().string();
  ec.nodes = cfg_.nodes;
  ec.tick = cfg_.tick;
  ec.fsync = cluster::fsync_policy::never;
  ec.request_timeout = cfg_.request_timeout;
  ec.faults = faults_;
  cluster_ = std::make_unique<actors::embedded_cluster>(*sys_, ec);
}

cluster_sim::~cluster_sim() {
  if (!shut_down_)
    shutdown();
}

std::chrono::milliseconds cluster_sim::now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(sched_->clock().now() - start_);
}

void cluster_sim::observe_next() {
  auto* actor = dynamic_cast<caf::scheduled_actor*>(sched_->jobs.front());
  if (!actor)
    return;
  // The element peek() shows is the one run_once() processes next: urgent
  // messages first, then the normal queue in order (checked once by
  // peeking again after run_once(): the element was always gone).
  auto* next = actor->mailbox().peek();
  if (!next)
    return;
  auto& content = next->content();
  if (content.match_elements<actors::outbound_raft>()) {
    auto& out = content.get_as<actors::outbound_raft>(0);
    checker_.observe(out.group, out.msgs);
  } else if (content.match_elements<actors::replica_report>()) {
    for (auto& v : content.get_as<actors::replica_report>(0).replicas)
      checker_.observe(v);
  }
}

bool cluster_sim::step() {
  if (!within_budget())
    return false;
  auto& jobs = sched_->jobs;
  if (!jobs.empty()) {
    auto pick = static_cast<std::ptrdiff_t>(rng_() % jobs.size());
    // Move the chosen actor to the front, keeping the others' order.
    std::rotate(jobs.begin(), jobs.begin() + pick, jobs.begin() + pick + 1);
    observe_next();
    sched_->run_once();
    ++stats_.steps;
    return true;
  }
  if (sched_->has_pending_timeout()) {
    sched_->trigger_timeout();
    ++stats_.timer_jumps;
    return true;
  }
  return false;
}

void cluster_sim::run_for(std::chrono::milliseconds d) {
  auto& clock = sched_->clock();
  auto until = clock.now() + d;
  while (within_budget()) {
    if (sched_->has_job()) {
      step();
      continue;
    }
    auto& timers = clock.schedule();
    if (timers.empty() || timers.begin()->first > until)
      break;
    step();
  }
  if (clock.current_time < until)
    clock.current_time = until;
}

bool cluster_sim::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto until = sched_->clock().now() + limit;
  while (!done()) {
    if (sched_->clock().now() >= until || !step())
      return done();
  }
  return true;
}

bool cluster_sim::shutdown(const std::vector<caf::actor>& also) {
  shut_down_ = true;
  for (auto& a : also)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  cluster_->stop_nowait();
  // Timers of dead actors fire into the void; the loop ends when none is left.
  auto budget = cfg_.max_steps;
  cfg_.max_steps = stats_.steps + stats_.timer_jumps + 10'000'000;
  while (step()) {
  }
  cfg_.max_steps = budget;
  bool clean = cluster_->all_down() && sys_->registry().running() == 0;
  cluster_.reset();
  if (!clean)
    sys_->await_actors_before_shutdown(false);  // would wait forever on a testing scheduler
  return clean;
}

} // namespace rivulet::testing
