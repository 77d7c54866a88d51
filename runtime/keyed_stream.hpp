#pragma once

// Keyed streams (key_by): rolling aggregates, windows, process functions,
// interval joins; and the out-of-line parts of window and process nodes.
// Included by runtime/datastream.hpp after data_stream is complete; include
// that header, not this one.

#include "runtime/datastream.hpp"

namespace rivulet {

/// A stream partitioned by key: the next operator's instance i sees exactly
/// the keys whose key group is i. Aggregates keep one state per key.
template <class T, class KeyFn>
class keyed_stream {
public:
  using key_type = std::decay_t<std::invoke_result_t<KeyFn&, const T&>>;

  keyed_stream(stream_environment* env, int node, KeyFn key_fn, int port = 0)
    : env_(env), node_(node), key_fn_(std::move(key_fn)), port_(port) {
  }

  /// Windows per key (see runtime/window.hpp: rivulet::windows::...).
  /// `parallelism` > 0 fixes the window operator's parallelism.
  template <class Assigner>
  windowed_stream<T, KeyFn> window(Assigner assigner, int parallelism = 0) const {
    window_spec<T> spec;
    spec.assigner = assigner.template make<T>();
    return windowed_stream<T, KeyFn>(env_, node_, key_fn_, std::move(spec), 0, parallelism, port_);
  }

  /// Keyed process function with per-key state and timers.
  template <class F>
  auto process(F fn) const;

  /// Interval join with another keyed stream (keys of the same type).
  template <class U, class KeyFnU>
  interval_join_builder<T, KeyFn, U, KeyFnU> interval_join(const keyed_stream<U, KeyFnU>& other) const;

  /// Internal: the stream before partitioning, and the key function.
  data_stream<T> as_stream() const {
    return data_stream<T>(env_, node_, nullptr, partitioning::forward, port_);
  }
  const KeyFn& key_function() const noexcept {
    return key_fn_;
  }

  /// Tumbling count windows: fires and purges every `n` records of a key.
  windowed_stream<T, KeyFn> count_window(std::int64_t n) const {
    if (n < 1)
      throw std::invalid_argument("count window size must be at least 1");
    window_spec<T> spec;
    spec.trigger = std::make_shared<triggers::purging<T>>(std::make_shared<triggers::count<T>>(n));
    return windowed_stream<T, KeyFn>(env_, node_, key_fn_, std::move(spec), 0, 0, port_);
  }

  /// Sliding count windows: every `slide` records, the last `size` records.
  windowed_stream<T, KeyFn> count_window(std::int64_t size, std::int64_t slide) const {
    if (size < 1 || slide < 1)
      throw std::invalid_argument("count window size and slide must be at least 1");
    window_spec<T> spec;
    spec.trigger = std::make_shared<triggers::count<T>>(slide);
    return windowed_stream<T, KeyFn>(env_, node_, key_fn_, std::move(spec), static_cast<std::size_t>(size), 0,
                                     port_);
  }

  /// Rolling reduce: fn(const T& acc, const T& rec) -> T.
  template <class F>
  data_stream<T> reduce(F fn) const {
    static_assert(std::is_invocable_r_v<T, F&, const T&, const T&>,
                  "rivulet: reduce(fn) needs fn callable as fn(const T& acc, const T& rec) -> T");
    return aggregate<T, T>("reduce", [](const T& rec) { return rec; },
                           [fn](T& acc, const T& rec) { acc = fn(acc, rec); },
                           [](const key_type&, const T& acc) { return acc; });
  }

  /// Rolling sum of value_fn(rec) per key, as (key, sum).
  template <class F>
  auto sum(F value_fn) const {
    using V = value_of<F>;
    return aggregate<V, std::pair<key_type, V>>(
      "sum", [value_fn](const T& rec) { return static_cast<V>(value_fn(rec)); },
      [value_fn](V& acc, const T& rec) { acc += value_fn(rec); },
      [](const key_type& k, const V& acc) { return std::pair<key_type, V>(k, acc); });
  }

  /// Rolling count of records per key, as (key, count).
  auto count() const {
    using out = std::pair<key_type, std::int64_t>;
    return aggregate<std::int64_t, out>(
      "count", [](const T&) { return std::int64_t{1}; }, [](std::int64_t& acc, const T&) { ++acc; },
      [](const key_type& k, std::int64_t acc) { return out(k, acc); });
  }

  /// Rolling minimum of value_fn(rec) per key, as (key, min).
  template <class F>
  auto min(F value_fn) const {
    return extreme("min", value_fn, [](const auto& a, const auto& b) { return b < a; });
  }

  /// Rolling maximum of value_fn(rec) per key, as (key, max).
  template <class F>
  auto max(F value_fn) const {
    return extreme("max", value_fn, [](const auto& a, const auto& b) { return a < b; });
  }

  /// General keyed aggregate: init(const T&) -> Acc starts a key, fold(Acc&,
  /// const T&) adds a record, emit(const K&, const Acc&) -> Out is the result.
  template <class Acc, class Out, class Init, class Fold, class Emit>
  data_stream<Out> aggregate(const char* name, Init init, Fold fold, Emit emit) const {
    data_stream<T> upstream(env_, node_);
    auto key_fn = key_fn_;
    logical_edge in{node_, partitioning::hash, std::make_shared<hash_writer_factory<T, KeyFn>>(key_fn_), port_};
    return upstream.template add<Out>(
      name,
      [key_fn, init, fold, emit](const instance_info& who, collector<Out>* down, const job_config& cfg) {
        using stage_t = keyed_aggregate_stage<T, key_type, Acc, Out, KeyFn, Init, Fold, Emit>;
        return std::make_unique<stage_t>(who, down, cfg.mode, key_fn, init, fold, emit);
      },
      std::move(in));
  }

private:
  template <class F>
  using value_of = std::decay_t<std::invoke_result_t<F&, const T&>>;

  template <class F, class Replace>
  auto extreme(const char* name, F value_fn, Replace replace) const {
    static_assert(std::is_invocable_v<F&, const T&>, "rivulet: min/max(fn) need fn callable as fn(const T&)");
    using V = value_of<F>;
    return aggregate<V, std::pair<key_type, V>>(
      name, [value_fn](const T& rec) { return static_cast<V>(value_fn(rec)); },
      [value_fn, replace](V& acc, const T& rec) {
        V v = value_fn(rec);
        if (replace(acc, v))
          acc = std::move(v);
      },
      [](const key_type& k, const V& acc) { return std::pair<key_type, V>(k, acc); });
  }

  stream_environment* env_;
  int node_;
  KeyFn key_fn_;
  int port_ = 0;
};

template <class T, class KeyFn>
template <class Out, class Fn>
data_stream<Out> windowed_stream<T, KeyFn>::build(const char* name, Fn fn) const {
  using K = key_type;
  logical_edge in{node_, partitioning::hash, std::make_shared<hash_writer_factory<T, KeyFn>>(key_fn_), port_};
  logical_node n;
  n.kind = node_kind::operation;
  n.name = name;
  n.parallelism = parallelism_;
  n.inputs.push_back(std::move(in));
  auto key_fn = key_fn_;
  auto spec = spec_;
  auto evict_to = evict_to_;
  n.impl = make_operator_node<T, Out>([key_fn, spec, fn, evict_to](const instance_info& who, collector<Out>* down,
                                                                   const job_config&, const side_outputs& sides)
                                        -> std::unique_ptr<chain_link> {
    if (evict_to > 0) {
      using evicting = evicting_window_fn<T, Fn>;
      return std::make_unique<window_operator<T, K, Out, KeyFn, evicting>>(who, down, sides, key_fn, spec,
                                                                           evicting{fn, evict_to});
    }
    return std::make_unique<window_operator<T, K, Out, KeyFn, Fn>>(who, down, sides, key_fn, spec, fn);
  });
  if (spec_.late_tag)
    n.side_ports.push_back({spec_.late_tag->id, std::type_index(typeid(T)), std::make_shared<typed_side_port<T>>()});
  return data_stream<Out>(env_, env_->add_node(std::move(n)));
}

/// Internal: an operator node running process function `fn` (keyed by
/// key_fn) over `inputs`, all carrying records of type In.
template <class In, class KeyFn, class F>
auto add_process_node(stream_environment* env, const char* name, std::vector<logical_edge> inputs, KeyFn key_fn,
                      F fn) {
  using Out = typename F::output_type;
  using K = std::decay_t<std::invoke_result_t<KeyFn&, const In&>>;
  logical_node n;
  n.kind = node_kind::operation;
  n.name = name;
  n.inputs = std::move(inputs);
  n.impl = make_operator_node<In, Out>([key_fn, fn](const instance_info& who, collector<Out>* down,
                                                    const job_config&, const side_outputs& sides) {
    return std::make_unique<keyed_process_operator<In, K, Out, KeyFn, F>>(who, down, sides, key_fn, fn);
  });
  return data_stream<Out>(env, env->add_node(std::move(n)));
}

template <class T>
template <class F>
auto data_stream<T>::process(F fn) const {
  auto constant = [](const T&) { return 0; };
  return add_process_node<T>(env_, "process", {edge()}, constant, std::move(fn));
}

template <class T, class KeyFn>
template <class F>
auto keyed_stream<T, KeyFn>::process(F fn) const {
  logical_edge in{node_, partitioning::hash, std::make_shared<hash_writer_factory<T, KeyFn>>(key_fn_), port_};
  return add_process_node<T>(env_, "keyed process", {std::move(in)}, key_fn_, std::move(fn));
}

} // namespace rivulet
