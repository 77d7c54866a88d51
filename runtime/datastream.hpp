#pragma once

// The typed DataStream API: an environment creates sources; streams are
// transformed with map/filter/flat_map, partitioned with key_by, rebalance
// and broadcast, merged with union_with and consumed by sinks. Each call
// adds a node to the environment's logical graph; nothing runs until the
// environment executes the job (actors/environment.hpp).

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/call_traits.hpp"
#include "runtime/config.hpp"
#include "runtime/keyed_stages.hpp"
#include "runtime/node_impls.hpp"
#include "runtime/plan.hpp"
#include "runtime/sinks.hpp"
#include "runtime/sources.hpp"
#include "runtime/watermark_strategy.hpp"
#include "runtime/process_function.hpp"
#include "runtime/windowed_stream.hpp"

namespace rivulet {

template <class T>
class data_stream;
template <class T, class KeyFn>
class keyed_stream;
template <class A, class B>
class connected_streams;
template <class A, class B>
class join_builder;
template <class A, class KA, class B, class KB>
class interval_join_builder;

/// Holds the job graph under construction and the job's settings.
class stream_environment {
public:
  explicit stream_environment(job_config cfg = {})
    : cfg_(std::move(cfg)), graph_(std::make_shared<job_graph>()) {
  }
  stream_environment(const stream_environment&) = delete;
  stream_environment& operator=(const stream_environment&) = delete;

  /// A bounded source over `items`; instances split it by index.
  template <class T>
  data_stream<T> from_collection(std::vector<T> items);

  /// A bounded source emitting fn(0), fn(1), ... fn(count - 1).
  template <class F>
  auto from_generator(std::uint64_t count, F fn);

  /// A bounded source of the lines of a text file.
  data_stream<std::string> read_text_file(std::string path);

  job_config& config() noexcept {
    return cfg_;
  }
  const job_config& config() const noexcept {
    return cfg_;
  }
  const job_graph& graph() const noexcept {
    return *graph_;
  }
  job_graph& graph() noexcept {
    return *graph_;
  }
  /// The graph, shared with running tasks for the duration of a job.
  std::shared_ptr<const job_graph> shared_graph() const noexcept {
    return graph_;
  }

  /// The physical plan this environment's graph runs as.
  physical_plan plan() const {
    return make_plan(*graph_, cfg_);
  }
  /// Text form of the physical plan, followed by its Graphviz form.
  std::string explain() const {
    auto p = plan();
    return p.explain(*graph_) + "\n" + p.dot(*graph_);
  }

  /// Internal: adds a node; used by streams.
  int add_node(logical_node n) {
    return graph_->add(std::move(n));
  }

protected:
  job_config cfg_;
  std::shared_ptr<job_graph> graph_;
};

/// Handle on a sink node, to name it or set its parallelism.
class sink_handle {
public:
  sink_handle(stream_environment* env, int node) : env_(env), node_(node) {
  }
  sink_handle& name(std::string n) {
    env_->graph().node(node_).name = std::move(n);
    return *this;
  }
  sink_handle& parallelism(int p);

private:
  stream_environment* env_;
  int node_;
};

inline void check_parallelism(const logical_node& n, int p) {
  if (p < 1 || p > 1024)
    throw std::invalid_argument("parallelism of '" + n.name + "' must be in [1, 1024], got "
                                + std::to_string(p));
}

inline sink_handle& sink_handle::parallelism(int p) {
  auto& n = env_->graph().node(node_);
  check_parallelism(n, p);
  n.parallelism = p;
  return *this;
}

/// A stream of records of type T: a node of the graph plus how its records
/// are to be partitioned toward the next operator.
template <class T>
class data_stream {
public:
  using value_type = T;

  data_stream(stream_environment* env, int node,
              std::shared_ptr<const edge_writer_factory> writer = nullptr,
              partitioning kind = partitioning::forward, int port = 0)
    : env_(env), node_(node), kind_(kind),
      writer_(writer ? std::move(writer) : std::make_shared<plain_writer_factory<T>>()), port_(port) {
  }

  /// The records the producing operator sent to side output `tag`.
  template <class S>
  data_stream<S> get_side_output(const output_tag<S>& tag) const {
    auto& n = env_->graph().node(node_);
    std::type_index type(typeid(S));
    for (std::size_t i = 0; i < n.side_ports.size(); ++i) {
      if (n.side_ports[i].tag == tag.id) {
        if (n.side_ports[i].type != type)
          throw std::invalid_argument("side output '" + tag.id + "' of '" + n.name + "' has another record type");
        return data_stream<S>(env_, node_, nullptr, partitioning::forward, static_cast<int>(i) + 1);
      }
    }
    n.side_ports.push_back({tag.id, type, std::make_shared<typed_side_port<S>>()});
    return data_stream<S>(env_, node_, nullptr, partitioning::forward, static_cast<int>(n.side_ports.size()));
  }

  /// Names the operator that produced this stream (shown in plans and errors).
  data_stream& name(std::string n) {
    env_->graph().node(node_).name = std::move(n);
    return *this;
  }
  /// Sets the parallelism of the operator that produced this stream.
  data_stream& parallelism(int p) {
    auto& n = env_->graph().node(node_);
    check_parallelism(n, p);
    n.parallelism = p;
    return *this;
  }

  /// One output per input: fn(const T&) -> U.
  template <class F>
  auto map(F fn) const {
    static_assert(std::is_invocable_v<F&, const T&>,
                  "rivulet: map(fn) needs fn callable as fn(const T&), T being the stream's record type");
    using U = std::decay_t<std::invoke_result_t<F&, const T&>>;
    static_assert(!std::is_void_v<U>, "rivulet: map(fn) must return the new record; to consume records use sink(fn)");
    return add<U>("map", [fn](const instance_info& who, collector<U>* down, const job_config&) {
      return std::make_unique<map_stage<T, U, F>>(who, down, fn);
    });
  }

  /// Keeps the records for which fn(const T&) is true.
  template <class F>
  data_stream<T> filter(F fn) const {
    static_assert(std::is_invocable_v<F&, const T&>,
                  "rivulet: filter(fn) needs fn callable as fn(const T&) -> bool");
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const T&>, bool>,
                  "rivulet: filter(fn) must return bool (true keeps the record)");
    return add<T>("filter", [fn](const instance_info& who, collector<T>* down, const job_config&) {
      return std::make_unique<filter_stage<T, F>>(who, down, fn);
    });
  }

  /// Zero or more outputs per input: fn(const T&, collector<U>& out) calls
  /// out.collect(u) for each. U is read off fn's second parameter; give it
  /// explicitly (flat_map<U>(fn)) for generic lambdas.
  template <class Out = void, class F>
  auto flat_map(F fn) const {
    using deduced = typename detail::flat_map_output<F>::type;
    using U = std::conditional_t<std::is_void_v<Out>, deduced, Out>;
    static_assert(!std::is_void_v<U>,
                  "rivulet: flat_map(fn) needs fn(const T&, rivulet::collector<U>& out); with a generic "
                  "lambda write flat_map<U>(fn)");
    if constexpr (!std::is_void_v<U>) {
      static_assert(std::is_invocable_v<F&, const T&, collector<U>&>,
                    "rivulet: flat_map(fn) needs fn callable as fn(const T&, rivulet::collector<U>&)");
      return add<U>("flat_map", [fn](const instance_info& who, collector<U>* down, const job_config&) {
        return std::make_unique<flat_map_stage<T, U, F>>(who, down, fn);
      });
    }
  }

  /// Gives records event timestamps and generates watermarks per `strategy`
  /// (see runtime/watermark_strategy.hpp). Chains to the source when it can,
  /// so each source instance has its own watermark.
  data_stream<T> assign_timestamps_and_watermarks(watermark_strategy<T> strategy) const {
    auto out = add<T>("timestamps/watermarks", [strategy](const instance_info& who, collector<T>* down,
                                                          const job_config&) {
      return std::make_unique<watermark_stage<T>>(who, down, strategy);
    });
    // Same parallelism as the producer (resolved when planning, so a later
    // parallelism() on the producer counts), so that it chains and every
    // producer instance gets its own watermark: a generator behind a
    // shuffle would see its inputs' orders interleaved.
    env_->graph().node(out.node_id()).inherits_parallelism = true;
    return out;
  }

  /// Partitions by key_fn(const T&): all records with equal keys reach the
  /// same instance of the next operator.
  template <class KeyFn>
  keyed_stream<T, KeyFn> key_by(KeyFn key_fn) const {
    static_assert(std::is_invocable_v<KeyFn&, const T&>,
                  "rivulet: key_by(fn) needs fn callable as fn(const T&) returning the key");
    using K = std::decay_t<std::invoke_result_t<KeyFn&, const T&>>;
    static_assert(!std::is_void_v<K>, "rivulet: key_by(fn) must return a key");
    static_assert(detail::is_equality_comparable<K>::value, "rivulet: a key type needs operator==");
    return keyed_stream<T, KeyFn>(env_, node_, std::move(key_fn), port_);
  }

  /// Spreads records round-robin over the next operator's instances.
  data_stream<T> rebalance() const {
    return data_stream<T>(env_, node_, writer_, partitioning::rebalance, port_);
  }
  /// Sends every record to every instance of the next operator.
  data_stream<T> broadcast() const {
    return data_stream<T>(env_, node_, writer_, partitioning::broadcast, port_);
  }

  /// Merges this stream with others of the same type.
  template <class... Streams>
  data_stream<T> union_with(const Streams&... others) const {
    static_assert((std::is_same_v<typename Streams::value_type, T> && ...),
                  "rivulet: union_with needs streams of the same record type");
    logical_node n;
    n.kind = node_kind::operation;
    n.name = "union";
    n.inputs.push_back(edge());
    (n.inputs.push_back(others.edge()), ...);
    n.impl = make_operator_node<T, T>([](const instance_info& who, collector<T>* down, const job_config&) {
      return std::make_unique<forward_stage<T>>(who, down);
    });
    return data_stream<T>(env_, env_->add_node(std::move(n)));
  }

  /// Collects every record; read them from the handle after execute().
  collected<T> collect() const {
    auto slot = std::make_shared<collect_slot<T>>();
    add_sink("collect", [slot](const instance_info& who) {
      return std::make_unique<collect_sink<T>>(who, slot);
    }, [slot] { slot->reset(); });
    return collected<T>(slot);
  }

  /// Prints each record on its own line to stdout.
  sink_handle print() const {
    return add_sink("print", [](const instance_info& who) { return std::make_unique<print_sink<T>>(who); });
  }

  /// Writes each record as a line to `path` (parallelism 1 unless set;
  /// above 1, instance i writes path.i).
  sink_handle write_text_file(std::string path) const {
    auto h = add_sink("write_text_file", [path](const instance_info& who) {
      return std::make_unique<text_file_sink<T>>(who, path);
    });
    h.parallelism(1);
    return h;
  }

  /// Calls fn(const T&) for every record. With parallelism above one, fn
  /// runs concurrently on several threads (one copy per instance).
  template <class F>
  sink_handle sink(F fn) const {
    static_assert(std::is_invocable_v<F&, const T&>, "rivulet: sink(fn) needs fn callable as fn(const T&)");
    return add_sink("sink", [fn](const instance_info& who) {
      return std::make_unique<function_sink<T, F>>(who, fn);
    });
  }

  /// Internal: the edge an operator consuming this stream gets.
  logical_edge edge() const {
    return logical_edge{node_, kind_, writer_, port_};
  }
  stream_environment* env() const noexcept {
    return env_;
  }
  int node_id() const noexcept {
    return node_;
  }

  /// Internal: adds an operator node consuming this stream.
  template <class U, class Make>
  data_stream<U> add(const char* name, Make make, logical_edge in) const {
    logical_node n;
    n.kind = node_kind::operation;
    n.name = name;
    n.inputs.push_back(std::move(in));
    n.impl = make_operator_node<T, U>(std::move(make));
    return data_stream<U>(env_, env_->add_node(std::move(n)));
  }
  template <class U, class Make>
  data_stream<U> add(const char* name, Make make) const {
    return add<U>(name, std::move(make), edge());
  }

private:
  template <class MakeSink>
  sink_handle add_sink(const char* name, MakeSink make_sink, std::function<void()> on_reset = {}) const {
    logical_node n;
    n.kind = node_kind::sink;
    n.name = name;
    n.inputs.push_back(edge());
    auto make = [make_sink](const instance_info& who, collector<no_record>*, const job_config&) {
      return make_sink(who);
    };
    n.impl = make_operator_node<T, no_record>(std::move(make), std::move(on_reset));
    return sink_handle(env_, env_->add_node(std::move(n)));
  }

public:
  /// Per-record function with per-instance state and timers (see
  /// runtime/process_function.hpp); keyed_stream::process is per key.
  template <class F>
  auto process(F fn) const;

  /// Connects another stream for a co-process function.
  template <class U>
  connected_streams<T, U> connect(const data_stream<U>& other) const;

  /// Window join with another stream: join(b).where(ka).equal_to(kb).window(w).apply(fn).
  template <class U>
  join_builder<T, U> join(const data_stream<U>& other) const;

  /// Non-keyed windows: all records in one window operator (parallelism 1).
  template <class Assigner>
  auto window_all(Assigner assigner) const {
    auto constant = [](const T&) { return 0; };
    return key_by(constant).window(std::move(assigner), 1);
  }

private:
  stream_environment* env_;
  int node_;
  partitioning kind_;
  std::shared_ptr<const edge_writer_factory> writer_;
  int port_ = 0;
};

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

template <class T>
data_stream<T> stream_environment::from_collection(std::vector<T> items) {
  auto shared = std::make_shared<const std::vector<T>>(std::move(items));
  logical_node n;
  n.kind = node_kind::source;
  n.name = "from_collection";
  n.impl = make_source_node<T>([shared](const instance_info& who, collector<T>* down, const job_config&) {
    return std::make_unique<collection_source<T>>(who, down, shared);
  });
  return data_stream<T>(this, add_node(std::move(n)));
}

template <class F>
auto stream_environment::from_generator(std::uint64_t count, F fn) {
  static_assert(std::is_invocable_v<F&, std::uint64_t>,
                "rivulet: from_generator(count, fn) needs fn callable as fn(std::uint64_t index) -> T");
  using T = std::decay_t<std::invoke_result_t<F&, std::uint64_t>>;
  static_assert(!std::is_void_v<T>, "rivulet: from_generator's fn must return the record");
  logical_node n;
  n.kind = node_kind::source;
  n.name = "from_generator";
  n.impl = make_source_node<T>([count, fn](const instance_info& who, collector<T>* down, const job_config&) {
    return std::make_unique<generator_source<T, F>>(who, down, count, fn);
  });
  return data_stream<T>(this, add_node(std::move(n)));
}

inline data_stream<std::string> stream_environment::read_text_file(std::string path) {
  logical_node n;
  n.kind = node_kind::source;
  n.name = "read_text_file";
  n.impl = make_source_node<std::string>(
    [path](const instance_info& who, collector<std::string>* down, const job_config&) {
      return std::make_unique<text_file_source>(who, down, path);
    });
  return data_stream<std::string>(this, add_node(std::move(n)));
}

} // namespace rivulet

#include "runtime/two_input.hpp"
