#include "actors/job_supervisor.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <caf/all.hpp>

#include "actors/task_actor.hpp"
#include "actors/type_ids.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

void job_outcome::set(job_result r) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    result_ = std::move(r);
    ready_ = true;
  }
  cv_.notify_all();
}

bool job_outcome::ready() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return ready_;
}

job_result job_outcome::wait() {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait(guard, [this] { return ready_; });
  return result_;
}

job_result job_outcome::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return result_;
}

namespace {

struct instance_id {
  int task;
  int instance;
};

struct supervisor_state {
  static inline const char* name = "rivulet.job_supervisor";
  job_spec spec;
  int attempt = 0;
  bool attempt_failed = false;
  bool restart_due = false;
  std::chrono::steady_clock::time_point started;
  std::map<caf::actor_addr, instance_id> live;
  std::vector<task_metrics> done;  // index: flattened (task, instance)
  std::size_t done_count = 0;
  std::size_t instance_count = 0;
  job_result failure;
};

using supervisor_t = caf::stateful_actor<supervisor_state>;

std::size_t slot_of(const physical_plan& plan, int task, int instance) {
  std::size_t base = 0;
  for (int t = 0; t < task; ++t)
    base += static_cast<std::size_t>(plan.tasks[static_cast<std::size_t>(t)].parallelism);
  return base + static_cast<std::size_t>(instance);
}

std::vector<operator_metrics> aggregate(const job_graph& g, const physical_plan& plan,
                                        const std::vector<task_metrics>& done) {
  std::vector<operator_metrics> ops(g.nodes().size());
  for (auto& t : plan.tasks) {
    for (auto id : t.chain) {
      auto& op = ops[static_cast<std::size_t>(id)];
      op.name = g.node(id).name;
      op.parallelism = t.parallelism;
      op.task = t.id;
    }
    for (int i = 0; i < t.parallelism; ++i) {
      auto& m = done[slot_of(plan, t.id, i)];
      for (auto& nc : m.nodes) {
        auto& op = ops[static_cast<std::size_t>(nc.node)];
        op.records_in += nc.records_in;
        op.records_out += nc.records_out;
        op.records_dropped += nc.records_dropped;
        op.max_inflight_batches = std::max(op.max_inflight_batches, m.max_inflight_batches);
        op.max_inflight_records = std::max(op.max_inflight_records, m.max_inflight_records);
        op.max_pending_batches = std::max(op.max_pending_batches, m.max_pending_batches);
        op.max_queued_batches = std::max(op.max_queued_batches, m.max_queued_batches);
      }
    }
  }
  return ops;
}

void start_attempt(supervisor_t* self) {
  auto& st = self->state;
  auto& plan = *st.spec.plan;
  ++st.attempt;
  RIVULET_LOG(log_level::info, "supervisor", "job '" << st.spec.name << "' attempt " << st.attempt << ": starting "
                                                      << plan.tasks.size() << " task(s), " << st.instance_count
                                                      << " instance(s)");
  st.attempt_failed = false;
  st.done_count = 0;
  st.done.assign(st.instance_count, task_metrics{});
  st.spec.graph->reset();
  // Spawn everything first: wiring needs every peer's handle.
  std::vector<std::vector<caf::actor>> actors(plan.tasks.size());
  for (auto& t : plan.tasks) {
    for (int i = 0; i < t.parallelism; ++i) {
      task_spec ts{st.spec.graph, st.spec.plan, st.spec.cfg, t.id, i};
      auto a = spawn_task_actor(self, std::move(ts), caf::actor{self});
      self->monitor(a);
      st.live.emplace(a.address(), instance_id{t.id, i});
      actors[static_cast<std::size_t>(t.id)].push_back(std::move(a));
    }
  }
  // Every task gets its wiring before any task starts. In one process a
  // mailbox enqueue is immediate, so a wiring_msg is in every mailbox before
  // the first start_atom is sent and thus before any data can follow it.
  // Across nodes this needs a handshake (docs/protocol.md).
  for (auto& t : plan.tasks) {
    for (int i = 0; i < t.parallelism; ++i) {
      wiring_msg w;
      for (auto& r : plan.out_routes(t.id, i)) {
        w.out_actors.push_back(actors[static_cast<std::size_t>(r.task)][static_cast<std::size_t>(r.instance)]);
        w.out_channels.push_back(static_cast<std::uint32_t>(r.channel));
      }
      for (auto& r : plan.in_routes(t.id, i)) {
        w.in_actors.push_back(actors[static_cast<std::size_t>(r.task)][static_cast<std::size_t>(r.instance)]);
        w.in_channels.push_back(static_cast<std::uint32_t>(r.channel));
      }
      self->send(actors[static_cast<std::size_t>(t.id)][static_cast<std::size_t>(i)], std::move(w));
    }
  }
  for (auto& per_task : actors)
    for (auto& a : per_task)
      self->send(a, start_atom_v);
}

void finish(supervisor_t* self, job_result r) {
  auto& st = self->state;
  RIVULET_LOG(r.ok() ? log_level::info : log_level::error, "supervisor",
              "job '" << st.spec.name << "' " << (r.ok() ? "succeeded" : "failed") << " after " << st.attempt
                      << " attempt(s)" << (r.ok() ? "" : ": " + r.error));
  r.job_name = st.spec.name;
  r.attempts = st.attempt;
  r.elapsed = std::chrono::steady_clock::now() - st.started;
  st.spec.outcome->set(std::move(r));
  self->quit();
}

/// Called whenever the set of live tasks shrinks or a decision is due.
void settle(supervisor_t* self) {
  auto& st = self->state;
  if (!st.live.empty())
    return;
  if (!st.attempt_failed) {
    if (st.done_count == st.instance_count) {
      job_result r;
      r.status = job_status::succeeded;
      r.operators = aggregate(*st.spec.graph, *st.spec.plan, st.done);
      finish(self, std::move(r));
    }
    return;
  }
  auto& rs = st.spec.cfg.restart;
  bool can_restart = rs.type == restart_strategy::kind::fixed_delay && st.attempt <= rs.attempts;
  if (!can_restart) {
    finish(self, st.failure);
    return;
  }
  if (st.restart_due) {
    st.restart_due = false;
    RIVULET_LOG(log_level::info, "supervisor", "job '" << st.spec.name << "': restarting (attempt "
                                                        << st.attempt + 1 << " of " << rs.attempts + 1 << ")");
    start_attempt(self);
  }
}

void fail(supervisor_t* self, int task, int instance, std::string op, std::string error) {
  auto& st = self->state;
  if (st.attempt_failed)
    return;
  st.attempt_failed = true;
  st.failure = job_result{};
  st.failure.status = job_status::failed;
  st.failure.failed_operator = op.empty() ? st.spec.plan->tasks[static_cast<std::size_t>(task)].name : op;
  st.failure.failed_instance = instance;
  st.failure.error = std::move(error);
  RIVULET_LOG(log_level::warn, "supervisor", "job '" << st.spec.name << "' attempt " << st.attempt << ": task '"
                                                      << st.spec.plan->tasks[static_cast<std::size_t>(task)].name
                                                      << "' instance " << instance + 1 << " failed: "
                                                      << st.failure.error << "; stopping "
                                                      << st.live.size() << " live task instance(s)");
  for (auto& [addr, id] : st.live)
    self->send_exit(addr, caf::exit_reason::kill);
  auto& rs = st.spec.cfg.restart;
  if (rs.type == restart_strategy::kind::fixed_delay && st.attempt <= rs.attempts)
    self->delayed_send(self, rs.delay, restart_atom_v);
  settle(self);
}

caf::behavior supervisor(supervisor_t* self, job_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.started = std::chrono::steady_clock::now();
  for (auto& t : st.spec.plan->tasks)
    st.instance_count += static_cast<std::size_t>(t.parallelism);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.live.find(dm.source);
    if (it == st.live.end())
      return;
    auto id = it->second;
    st.live.erase(it);
    bool reported = st.done[slot_of(*st.spec.plan, id.task, id.instance)].nodes.size() > 0;
    if (!reported && !st.attempt_failed) {
      auto& t = st.spec.plan->tasks[static_cast<std::size_t>(id.task)];
      fail(self, id.task, id.instance, "",
           "task '" + t.name + "' instance " + std::to_string(id.instance + 1) + "/"
             + std::to_string(t.parallelism) + " stopped: " + to_string(dm.reason));
      return;
    }
    settle(self);
  });
  self->send(self, run_atom_v);
  return {
    [self](run_atom) { start_attempt(self); },
    [self](restart_atom) {
      self->state.restart_due = true;
      settle(self);
    },
    [self](task_done_msg& m) {
      auto& st = self->state;
      if (st.attempt_failed)
        return;
      st.done[slot_of(*st.spec.plan, m.task, m.instance)] = std::move(m.metrics);
      ++st.done_count;
    },
    [self](task_failed_msg& m) {
      fail(self, m.task, m.instance, std::move(m.operator_name), std::move(m.error));
    },
  };
}

} // namespace

caf::actor spawn_job_supervisor(caf::actor_system& sys, job_spec spec) {
  auto outcome = spec.outcome;
  auto name = spec.name;
  auto sup = sys.spawn(supervisor, std::move(spec));
  // If the supervisor itself dies (a bug), the caller must still wake up.
  sup->attach_functor([outcome, name](const caf::error& reason) {
    if (outcome->ready())
      return;
    job_result r;
    r.job_name = name;
    r.status = job_status::failed;
    r.error = "job supervisor of '" + name + "' stopped before the job ended: " + caf::to_string(reason);
    outcome->set(std::move(r));
  });
  return sup;
}

} // namespace rivulet::actors
