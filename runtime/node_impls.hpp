#pragma once

// Typed node_impl implementations the DataStream API instantiates.

#include <cassert>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "runtime/job_graph.hpp"
#include "runtime/output.hpp"
#include "runtime/stages.hpp"

namespace rivulet {

/// Input type of sources and output type of sinks: nothing flows there.
struct no_record {};

template <class In, class Out>
class typed_node : public node_impl {
public:
  void drain(batch_base& b, chain_link& head) const override {
    assert(dynamic_cast<batch<In>*>(&b) != nullptr);
    auto& typed = static_cast<batch<In>&>(b);
    auto& c = static_cast<collector<In>&>(head);
    auto n = typed.records.size();
    for (std::size_t i = 0; i < n; ++i)
      c.push(std::move(typed.records[i]), typed.timestamps[i]);
  }
  std::unique_ptr<chain_link> make_fanout(std::vector<chain_link*> outs) const override {
    std::vector<collector<Out>*> typed;
    for (auto* o : outs)
      typed.push_back(static_cast<collector<Out>*>(o));
    return std::make_unique<fanout_link<Out>>(std::move(typed));
  }
  std::unique_ptr<chain_link> make_discard() const override {
    return std::make_unique<discard_link<Out>>();
  }
};

/// An operator or sink node whose link comes from `Make(who, down, cfg)`
/// or, for operators with side outputs, `Make(who, down, cfg, sides)`;
/// `down` is a collector<Out>* (null for sinks).
template <class In, class Out, class Make>
class operator_node final : public typed_node<In, Out> {
public:
  explicit operator_node(Make make, std::function<void()> on_reset = {})
    : make_(std::move(make)), on_reset_(std::move(on_reset)) {
  }
  std::unique_ptr<chain_link> make_link(const instance_info& who, chain_link* down, const side_outputs& sides,
                                        const job_config& cfg) const override {
    auto* typed = static_cast<collector<Out>*>(down);
    if constexpr (std::is_invocable_v<const Make&, const instance_info&, collector<Out>*, const job_config&,
                                      const side_outputs&>)
      return make_(who, typed, cfg, sides);
    else
      return make_(who, typed, cfg);
  }
  void reset() override {
    if (on_reset_)
      on_reset_();
  }

private:
  Make make_;
  std::function<void()> on_reset_;
};

/// A source node whose per-instance source comes from `Make(who, down, cfg)`.
template <class Out, class Make>
class source_node final : public typed_node<no_record, Out> {
public:
  explicit source_node(Make make) : make_(std::move(make)) {
  }
  std::unique_ptr<source_link> make_source(const instance_info& who, chain_link* down,
                                           const job_config& cfg) const override {
    return make_(who, static_cast<collector<Out>*>(down), cfg);
  }

private:
  Make make_;
};

/// The typed end of a side port carrying T.
template <class T>
class typed_side_port final : public side_port_impl {
public:
  std::unique_ptr<chain_link> make_tail(std::vector<chain_link*> outs) const override {
    if (outs.empty())
      return std::make_unique<discard_link<T>>();
    std::vector<collector<T>*> typed;
    for (auto* o : outs)
      typed.push_back(static_cast<collector<T>*>(o));
    return std::make_unique<fanout_link<T>>(std::move(typed));
  }
};

template <class In, class Out, class Make>
std::shared_ptr<node_impl> make_operator_node(Make make, std::function<void()> on_reset = {}) {
  return std::make_shared<operator_node<In, Out, Make>>(std::move(make), std::move(on_reset));
}

template <class Out, class Make>
std::shared_ptr<node_impl> make_source_node(Make make) {
  return std::make_shared<source_node<Out, Make>>(std::move(make));
}

} // namespace rivulet
