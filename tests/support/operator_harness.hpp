#pragma once

// Drives one operator without tasks or actors, Flink-harness style: build
// the operator from a stream of the DataStream API, push records, finish,
// read what it emitted.
//
//   stream_environment env{cfg};
//   auto s = env.from_collection(std::vector<int>{}).map([](int x) { return x * 2; });
//   operator_harness<int, int> h{env, s};
//   h.push(3);
//   CHECK(h.output() == std::vector<int>{6});

#include <memory>
#include <vector>

#include "runtime/datastream.hpp"

namespace rivulet::testing {

/// Records what reaches the end of the harnessed operator.
template <class Out>
class capture_link final : public collector<Out> {
public:
  std::vector<Out> records;
  std::vector<timestamp> timestamps;
  std::vector<timestamp> watermarks;
  std::vector<bool> idle_changes;
  bool finished = false;
  void push(Out&& rec, timestamp ts) override {
    ++this->in_;
    records.push_back(std::move(rec));
    timestamps.push_back(ts);
  }
  void finish() override {
    finished = true;
  }
  void on_watermark(timestamp wm) override {
    watermarks.push_back(wm);
  }
  void on_idle_status(bool idle) override {
    idle_changes.push_back(idle);
  }
  void on_processing_time(timestamp) override {}
  void on_batch_end() override {}
};

/// A virtual processing-time clock with the wake-ups links asked for.
class manual_clock final : public link_context {
public:
  timestamp now = 0;
  std::vector<timestamp> wakeups;
  timestamp processing_time() const override {
    return now;
  }
  void request_wakeup(timestamp at) override {
    wakeups.push_back(at);
  }
};

template <class In, class Out, class Side = no_record>
class operator_harness {
public:
  /// Builds instance `instance` of `parallelism` of the operator that
  /// produced `stream`, with the environment's config.
  template <class Stream>
  operator_harness(const stream_environment& env, const Stream& stream, int instance = 0, int parallelism = 1) {
    build(env, stream.node_id(), {}, instance, parallelism);
  }

  /// As above, also capturing the side output `tag`.
  template <class Stream>
  operator_harness(const stream_environment& env, const Stream& stream, const output_tag<Side>& tag) {
    build(env, stream.node_id(), tag.id, 0, 1);
  }

  /// What the operator sent to the captured side output.
  const std::vector<Side>& side_output() const {
    return side_.records;
  }
  /// Pushes a record with event timestamp `ts`.
  void push(In rec, timestamp ts = no_timestamp) {
    static_cast<collector<In>&>(*link_).push(std::move(rec), ts);
  }
  void watermark(timestamp wm) {
    link_->on_watermark(wm);
  }
  void idle(bool is_idle) {
    link_->on_idle_status(is_idle);
  }
  void batch_end() {
    link_->on_batch_end();
  }
  /// Moves processing time to `now` and delivers the wake-up.
  void advance_processing_time(timestamp now) {
    clock_.now = now;
    link_->on_processing_time(now);
  }
  void finish() {
    link_->finish();
  }
  /// Clears the output seen so far (records, timestamps, watermarks).
  void clear_output() {
    out_ = capture_link<Out>{};
  }
  const std::vector<Out>& output() const {
    return out_.records;
  }
  const std::vector<timestamp>& output_timestamps() const {
    return out_.timestamps;
  }
  const std::vector<timestamp>& output_watermarks() const {
    return out_.watermarks;
  }
  const std::vector<bool>& idle_changes() const {
    return out_.idle_changes;
  }
  manual_clock& clock() {
    return clock_;
  }
  bool finished() const {
    return out_.finished;
  }

private:
  void build(const stream_environment& env, int node_id, const std::string& side_tag, int instance,
             int parallelism) {
    auto& node = env.graph().node(node_id);
    side_outputs sides;
    if (!side_tag.empty())
      sides.add(side_tag, std::type_index(typeid(Side)), &side_);
    link_ = node.impl->make_link(instance_info{node.name, instance, parallelism}, &out_, sides, env.config());
    link_->open(clock_);
  }

  manual_clock clock_;
  capture_link<Out> out_;
  capture_link<Side> side_;
  std::unique_ptr<chain_link> link_;
};

} // namespace rivulet::testing
