#include "actors/task_actor.hpp"

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>

#include "actors/type_ids.hpp"
#include "runtime/operator_error.hpp"
#include "runtime/task.hpp"

namespace rivulet::actors {

namespace {

/// Sends what the task asks for as messages to its peers and to itself.
class actor_transport final : public task_transport {
public:
  explicit actor_transport(caf::event_based_actor* self) : self_(self) {
    // Processing time is wall-clock time, read through the actor clock so
    // that wake-ups (delayed sends) and readings agree. Under the testing
    // scheduler the clock is virtual and used as is.
    if (dynamic_cast<caf::detail::test_actor_clock*>(&self->clock()) == nullptr) {
      auto wall = std::chrono::system_clock::now().time_since_epoch();
      auto mono = self->clock().now().time_since_epoch();
      offset_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(wall - mono).count();
    }
  }
  void wire(wiring_msg w) {
    wiring_ = std::move(w);
  }
  void send_data(std::size_t ch, batch_ptr b) override {
    self_->send(wiring_.out_actors[ch], data_msg{wiring_.out_channels[ch], batch_handle{std::move(b)}});
  }
  void send_end(std::size_t ch) override {
    self_->send(wiring_.out_actors[ch], end_msg{wiring_.out_channels[ch]});
  }
  void send_credit(std::size_t ch, std::uint32_t n) override {
    self_->send(wiring_.in_actors[ch], credit_msg{wiring_.in_channels[ch], n});
  }
  void schedule_step() override {
    self_->send(self_, step_atom_v);
  }
  void schedule_flush(std::chrono::microseconds delay) override {
    self_->delayed_send(self_, delay, flush_atom_v);
  }
  timestamp now() const override {
    auto mono = self_->clock().now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(mono).count() + offset_ms_;
  }
  void schedule_wakeup(std::chrono::milliseconds delay) override {
    self_->delayed_send(self_, delay, wakeup_atom_v);
  }

private:
  caf::event_based_actor* self_;
  timestamp offset_ms_ = 0;
  wiring_msg wiring_;
};

struct task_state {
  static inline const char* name = "rivulet.task";
  std::unique_ptr<actor_transport> transport;
  std::unique_ptr<task> runner;
  caf::actor supervisor;
  std::string task_name;
  int task_id = -1;
  int instance = -1;
};

using task_actor_t = caf::stateful_actor<task_state>;

/// Runs `fn` on the actor's state, then reports the end or a failure to
/// the supervisor. No exception leaves a handler.
template <class F>
void guarded_step(task_actor_t* self, F fn) {
  auto& st = self->state;
  auto report = [&](const std::string& op, const std::string& text) {
    self->send(st.supervisor, task_failed_msg{st.task_id, st.instance, op, text});
    self->quit(caf::make_error(caf::sec::runtime_error, text));
  };
  auto where = [&] {
    return "task '" + st.task_name + "' instance " + std::to_string(st.instance + 1) + ": ";
  };
  try {
    fn(st);
    if (st.runner && st.runner->done()) {
      self->send(st.supervisor, task_done_msg{st.task_id, st.instance, st.runner->metrics()});
      self->quit();
    }
  } catch (const operator_error& e) {
    report(e.operator_name, e.what());
  } catch (const std::exception& e) {
    report("", where() + e.what());
  } catch (...) {
    report("", where() + "unknown exception");
  }
}

/// Runs `fn` against the task, which must have been built (by wiring).
template <class F>
void step(task_actor_t* self, F fn) {
  guarded_step(self, [&](task_state& st) {
    if (!st.runner)
      throw std::logic_error("message before wiring_msg");
    fn(*st.runner);
  });
}

caf::behavior task_actor(task_actor_t* self, task_spec spec, caf::actor supervisor) {
  auto& st = self->state;
  st.supervisor = std::move(supervisor);
  st.task_id = spec.task;
  st.instance = spec.instance;
  st.task_name = spec.plan->tasks.at(static_cast<std::size_t>(spec.task)).name;
  st.transport = std::make_unique<actor_transport>(self);
  // Keep the graph and plan alive as long as the task references them.
  auto keep = std::make_shared<task_spec>(std::move(spec));
  return {
    [self, keep](wiring_msg& w) {
      // The task is built here rather than at spawn so that a failure to
      // build or open it is reported like any other, with its text.
      guarded_step(self, [&](task_state& st) {
        st.transport->wire(std::move(w));
        st.runner = std::make_unique<task>(*keep->graph, *keep->plan, keep->task, keep->instance, keep->cfg,
                                           *st.transport);
        st.runner->open();
      });
    },
    [self](start_atom) { step(self, [](task& t) { t.start(); }); },
    [self](step_atom) { step(self, [](task& t) { t.on_step(); }); },
    [self](flush_atom) { step(self, [](task& t) { t.on_flush_timer(); }); },
    [self](wakeup_atom) { step(self, [](task& t) { t.on_wakeup(); }); },
    [self](data_msg& m) {
      step(self, [&](task& t) { t.on_data(m.channel, std::move(m.batch.ptr)); });
    },
    [self](const end_msg& m) { step(self, [&](task& t) { t.on_end(m.channel); }); },
    [self](const credit_msg& m) { step(self, [&](task& t) { t.on_credit(m.channel, m.credits); }); },
  };
}

} // namespace

caf::actor spawn_task_actor(caf::local_actor* parent, task_spec spec, caf::actor supervisor) {
  return parent->spawn(task_actor, std::move(spec), std::move(supervisor));
}

} // namespace rivulet::actors
