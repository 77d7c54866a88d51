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

template <class Out>
class capture_link final : public collector<Out> {
public:
  std::vector<Out> records;
  bool finished = false;
  void push(Out&& rec) override {
    ++this->in_;
    records.push_back(std::move(rec));
  }
  void finish() override {
    finished = true;
  }
};

template <class In, class Out>
class operator_harness {
public:
  /// Builds instance `instance` of `parallelism` of the operator that
  /// produced `stream`, with the environment's config.
  template <class Stream>
  operator_harness(const stream_environment& env, const Stream& stream, int instance = 0, int parallelism = 1) {
    auto& node = env.graph().node(stream.node_id());
    link_ = node.impl->make_link(instance_info{node.name, instance, parallelism}, &out_, env.config());
    link_->open();
  }
  void push(In rec) {
    static_cast<collector<In>&>(*link_).push(std::move(rec));
  }
  void finish() {
    link_->finish();
  }
  const std::vector<Out>& output() const {
    return out_.records;
  }
  bool finished() const {
    return out_.finished;
  }
  /// Clears the output seen so far.
  void clear() {
    out_.records.clear();
  }

private:
  capture_link<Out> out_;
  std::unique_ptr<chain_link> link_;
};

} // namespace rivulet::testing
