#pragma once

// The chain links that run user functions: one class per operator kind.
// Each receives records through collector<In>::push and hands results to the
// next link, keeping the input's timestamp. They know nothing of tasks,
// batches or actors, so a test can drive one directly
// (tests/support/operator_harness.hpp).

#include <utility>

#include "runtime/collector.hpp"
#include "runtime/operator_error.hpp"

namespace rivulet {

/// Base of links that run a user function and pass results to `Out` links.
template <class In, class Out>
class stage : public forwarding_link<In, Out> {
public:
  stage(instance_info info, collector<Out>* down) : forwarding_link<In, Out>(down), info_(std::move(info)) {
  }

protected:
  instance_info info_;
};

template <class In, class Out, class F>
class map_stage final : public stage<In, Out> {
public:
  map_stage(instance_info info, collector<Out>* down, F fn)
    : stage<In, Out>(std::move(info), down), fn_(std::move(fn)) {
  }
  void push(In&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }
  void push_ref(const In& rec, timestamp ts) override {
    ++this->in_;
    this->down_->push(guarded(this->info_, [&]() -> Out { return fn_(rec); }), ts);
  }

private:
  F fn_;
};

template <class T, class F>
class filter_stage final : public stage<T, T> {
public:
  filter_stage(instance_info info, collector<T>* down, F fn)
    : stage<T, T>(std::move(info), down), fn_(std::move(fn)) {
  }
  void push(T&& rec, timestamp ts) override {
    ++this->in_;
    if (keep(rec))
      this->down_->push(std::move(rec), ts);
  }
  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    if (keep(rec))
      this->down_->push_ref(rec, ts);
  }

private:
  bool keep(const T& rec) {
    return guarded(this->info_, [&]() -> bool { return static_cast<bool>(fn_(rec)); });
  }
  F fn_;
};

/// Runs `fn` (which emits into a collector), naming this operator in any
/// exception; a failure further down the chain keeps its own name.
template <class F>
void run_emitting(const instance_info& who, F&& fn) {
  try {
    fn();
  } catch (const operator_error&) {
    throw;
  } catch (const std::exception& e) {
    throw operator_error(who, e.what());
  } catch (...) {
    throw operator_error(who, "unknown exception");
  }
}

template <class In, class Out, class F>
class flat_map_stage final : public stage<In, Out> {
public:
  flat_map_stage(instance_info info, collector<Out>* down, F fn)
    : stage<In, Out>(std::move(info), down), fn_(std::move(fn)) {
  }
  void push(In&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }
  void push_ref(const In& rec, timestamp ts) override {
    ++this->in_;
    this->down_->set_output_timestamp(ts);
    run_emitting(this->info_, [&] { fn_(rec, *this->down_); });
  }

private:
  F fn_;
};

/// Passes records through unchanged; the head of a union's task.
template <class T>
class forward_stage final : public stage<T, T> {
public:
  using stage<T, T>::stage;
  void push(T&& rec, timestamp ts) override {
    ++this->in_;
    this->down_->push(std::move(rec), ts);
  }
  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    this->down_->push_ref(rec, ts);
  }
};

/// Terminal link: a sink ends the chain and ignores control events.
/// `finish` runs the sink's close step.
template <class T>
class sink_link : public collector<T> {
public:
  explicit sink_link(instance_info info) : info_(std::move(info)) {
  }
  void push(T&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }
  void push_ref(const T& rec, timestamp) override {
    ++this->in_;
    guarded(info_, [&] { consume(rec); });
  }
  void open(link_context& ctx) override {
    collector<T>::open(ctx);
    guarded(info_, [&] { on_open(); });
  }
  void finish() override {
    guarded(info_, [&] { on_finish(); });
  }
  void on_watermark(timestamp) override {}
  void on_idle_status(bool) override {}
  void on_processing_time(timestamp) override {}
  void on_batch_end() override {}

protected:
  virtual void consume(const T& rec) = 0;
  virtual void on_open() {}
  virtual void on_finish() {}
  instance_info info_;
};

/// Sink that calls a user function per record.
template <class T, class F>
class function_sink final : public sink_link<T> {
public:
  function_sink(instance_info info, F fn) : sink_link<T>(std::move(info)), fn_(std::move(fn)) {
  }

protected:
  void consume(const T& rec) override {
    fn_(rec);
  }

private:
  F fn_;
};

/// End of a chain whose results nobody consumes.
template <class T>
class discard_link final : public collector<T> {
public:
  void push(T&&, timestamp) override {
    ++this->in_;
  }
  void push_ref(const T&, timestamp) override {
    ++this->in_;
  }
  void finish() override {}
  void on_watermark(timestamp) override {}
  void on_idle_status(bool) override {}
  void on_processing_time(timestamp) override {}
  void on_batch_end() override {}
};

} // namespace rivulet
