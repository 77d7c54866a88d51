#pragma once

#include <cstdint>
#include <utility>

#include "runtime/time.hpp"

namespace rivulet {

/// One link of an operator chain inside a task: a source, a stage, a sink or
/// the task's output writer. Links are owned by the task; each knows the
/// next. Besides records, links pass on the stream's control events in
/// order: watermarks, idle status, and the end of each input batch.
class chain_link {
public:
  virtual ~chain_link() = default;

  /// Called once when the task starts, before any record.
  virtual void open(link_context& ctx) {
    ctx_ = &ctx;
  }

  /// End of all input: flush state, then call finish() on the next link.
  virtual void finish() = 0;

  /// Event time has reached `wm`: no record with a smaller timestamp will
  /// follow. Links fire their event-time timers, then pass it on.
  virtual void on_watermark(timestamp wm) = 0;

  /// The input went idle (true) or active again (false); passed on.
  virtual void on_idle_status(bool idle) = 0;

  /// The processing-time wake-up a link asked for is due.
  virtual void on_processing_time(timestamp now) = 0;

  /// The task finished one input batch or one source step: periodic work
  /// (watermark generation) happens here.
  virtual void on_batch_end() = 0;

  /// Records this link has received.
  std::uint64_t records_in() const noexcept {
    return in_;
  }

  /// Records this link dropped as late (behind the watermark, with no side
  /// output to take them).
  std::uint64_t records_dropped() const noexcept {
    return dropped_;
  }

protected:
  std::uint64_t in_ = 0;
  std::uint64_t dropped_ = 0;
  link_context* ctx_ = nullptr;
};

/// Receives records of type T with their event timestamps. User code sees
/// it in flat_map and process functions as the place to emit results:
/// `out.collect(value)` stamps them with the input record's timestamp.
template <class T>
class collector : public chain_link {
public:
  /// Emits one record with the timestamp of the record being processed.
  void collect(T value) {
    push(std::move(value), out_ts_);
  }

  /// Emits one record with an explicit timestamp.
  void collect_at(T value, timestamp ts) {
    push(std::move(value), ts);
  }

  /// Framework entry: takes ownership of `rec`.
  virtual void push(T&& rec, timestamp ts) = 0;

  /// Framework entry for a record the caller keeps (sources over shared
  /// collections). Links whose user function reads by const reference
  /// override this to avoid the copy.
  virtual void push_ref(const T& rec, timestamp ts) {
    T copy(rec);
    push(std::move(copy), ts);
  }

  /// Set by the upstream link before it runs a user function that emits.
  void set_output_timestamp(timestamp ts) noexcept {
    out_ts_ = ts;
  }

private:
  timestamp out_ts_ = no_timestamp;
};

/// A link of type `Base` (a collector or a source) with one downstream
/// collector of `Out`: control events pass straight on.
template <class Base, class Out>
class forwards_control : public Base {
public:
  explicit forwards_control(collector<Out>* down) : down_(down) {
  }
  void finish() override {
    down_->finish();
  }
  void on_watermark(timestamp wm) override {
    down_->on_watermark(wm);
  }
  void on_idle_status(bool idle) override {
    down_->on_idle_status(idle);
  }
  void on_processing_time(timestamp now) override {
    down_->on_processing_time(now);
  }
  void on_batch_end() override {
    down_->on_batch_end();
  }

protected:
  collector<Out>* down_;
};

/// A collector of `In` forwarding to a collector of `Out`.
template <class In, class Out>
using forwarding_link = forwards_control<collector<In>, Out>;

} // namespace rivulet
