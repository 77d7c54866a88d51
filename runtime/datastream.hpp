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
#include "runtime/kafka_links.hpp"
#include "runtime/keyed_stages.hpp"
#include "runtime/node_impls.hpp"
#include "runtime/plan.hpp"
#include "runtime/sinks.hpp"
#include "runtime/sources.hpp"
#include "runtime/topic_links.hpp"
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

  /// A parallel source over the partitions of a topic of rivulet's topic
  /// store (instance i of n reads partitions p with p % n == i), emitting
  /// deserialize(const topic_message&) with the record timestamp as event
  /// time. Needs set_topic_client(). Unbounded unless options.bounded.
  template <class T, class F>
  data_stream<T> from_topic(std::string topic, F deserialize, topic_read_options options = {});

  /// The topic store client that from_topic() and to_topic() use (see
  /// actors/topic_client.hpp: make_topic_client).
  void set_topic_client(std::shared_ptr<topic_client> client) { topics_ = std::move(client); }
  const std::shared_ptr<topic_client>& topics() const noexcept { return topics_; }

  /// A parallel source over the partitions of `topics` of an external Kafka
  /// cluster, read with the client properties given (passed through to
  /// librdkafka). Instance i of n owns the k-th partition of all topics'
  /// partitions (topics in the order given) when k % n == i, assigned
  /// explicitly (no consumer group), from its log start unless
  /// options.from_beginning is false. Emits deserialize(const
  /// kafka_message&); event time per `strategy`, else the record timestamp;
  /// watermarks per partition (see kafka_links.hpp). Unbounded unless
  /// options.bounded. Needs set_kafka_connector(); a property librdkafka
  /// rejects throws std::invalid_argument here, naming it.
  template <class T, class F>
  data_stream<T> from_kafka(kafka_properties properties, std::vector<std::string> topics, F deserialize,
                            kafka_read_options options = {},
                            watermark_strategy<T> strategy = watermark_strategy<T>::no_watermarks());

  /// The Kafka client that from_kafka() and to_kafka() use. runtime/ knows
  /// only the interface; io/kafka_connect/librdkafka_connector.hpp makes
  /// the librdkafka one (make_librdkafka_connector()).
  void set_kafka_connector(std::shared_ptr<kafka_connector> connector) { kafka_ = std::move(connector); }
  const std::shared_ptr<kafka_connector>& kafka() const noexcept { return kafka_; }

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
  std::shared_ptr<topic_client> topics_;
  std::shared_ptr<kafka_connector> kafka_;
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

  /// Writes every record to `topic` of rivulet's topic store as
  /// (key_fn(rec), serialize(rec)), both std::string; the key picks the
  /// partition (Kafka's murmur2). At end of input the sink waits for every
  /// acknowledgement; a delivery error fails the job. Needs
  /// env.set_topic_client(). At-least-once: a restarted job sends again.
  template <class Ser, class KeyFn>
  sink_handle to_topic(std::string topic, Ser serialize, KeyFn key_fn) const {
    static_assert(std::is_invocable_r_v<std::string, Ser&, const T&>,
                  "rivulet: to_topic(topic, serialize, key_fn) needs serialize callable as std::string(const T&)");
    static_assert(std::is_invocable_r_v<std::string, KeyFn&, const T&>,
                  "rivulet: to_topic(topic, serialize, key_fn) needs key_fn callable as std::string(const T&)");
    auto client = env_->topics();
    if (!client)
      throw std::logic_error("rivulet: to_topic('" + topic + "') needs env.set_topic_client(...) first");
    return add_sink("to_topic", [client, topic, serialize, key_fn](const instance_info& who) {
      return std::make_unique<topic_sink<T, Ser, KeyFn>>(who, client, topic, serialize, key_fn);
    });
  }

  /// Writes every record to `topic` of an external Kafka cluster as
  /// (key_fn(rec), serialize(rec)), both std::string, through a librdkafka
  /// producer configured with `properties` as given (idempotent and
  /// murmur2-partitioned unless they say otherwise). At end of input the
  /// sink waits for every delivery report; a fatal producer error or a
  /// failed delivery fails the job naming topic, partition and error.
  /// Needs env.set_kafka_connector(). At-least-once: a restarted job sends
  /// again.
  template <class Ser, class KeyFn>
  sink_handle to_kafka(kafka_properties properties, std::string topic, Ser serialize, KeyFn key_fn) const {
    static_assert(std::is_invocable_r_v<std::string, Ser&, const T&>,
                  "rivulet: to_kafka(properties, topic, serialize, key_fn) needs serialize callable as "
                  "std::string(const T&)");
    static_assert(std::is_invocable_r_v<std::string, KeyFn&, const T&>,
                  "rivulet: to_kafka(properties, topic, serialize, key_fn) needs key_fn callable as "
                  "std::string(const T&)");
    auto connector = env_->kafka();
    if (!connector)
      throw std::logic_error("rivulet: to_kafka('" + topic + "') needs env.set_kafka_connector(...) first");
    connector->check_properties(properties);
    return add_sink("to_kafka " + topic, [connector, properties, topic, serialize, key_fn](const instance_info& who) {
      return std::make_unique<kafka_sink<T, Ser, KeyFn>>(who, connector, properties, topic, serialize, key_fn);
    });
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
  sink_handle add_sink(std::string name, MakeSink make_sink, std::function<void()> on_reset = {}) const {
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

} // namespace rivulet

#include "runtime/keyed_stream.hpp"

namespace rivulet {

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

template <class T, class F>
data_stream<T> stream_environment::from_topic(std::string topic, F deserialize, topic_read_options options) {
  static_assert(std::is_invocable_r_v<T, F&, const topic_message&>,
                "rivulet: from_topic<T>(topic, fn) needs fn callable as T fn(const rivulet::topic_message&)");
  if (!topics_)
    throw std::logic_error("rivulet: from_topic('" + topic + "') needs env.set_topic_client(...) first");
  logical_node n;
  n.kind = node_kind::source;
  n.name = "from_topic " + topic;
  n.impl = make_source_node<T>([client = topics_, topic, options, deserialize](
                                 const instance_info& who, collector<T>* down, const job_config&) {
    return std::make_unique<topic_source<T, F>>(who, down, client, topic, options, deserialize);
  });
  return data_stream<T>(this, add_node(std::move(n)));
}

template <class T, class F>
data_stream<T> stream_environment::from_kafka(kafka_properties properties, std::vector<std::string> topics,
                                              F deserialize, kafka_read_options options,
                                              watermark_strategy<T> strategy) {
  static_assert(std::is_invocable_r_v<T, F&, const kafka_message&>,
                "rivulet: from_kafka<T>(properties, topics, fn) needs fn callable as T fn(const rivulet::kafka_message&)");
  if (!kafka_)
    throw std::logic_error("rivulet: from_kafka needs env.set_kafka_connector(...) first");
  if (topics.empty())
    throw std::invalid_argument("rivulet: from_kafka needs at least one topic");
  kafka_->check_properties(properties);
  logical_node n;
  n.kind = node_kind::source;
  n.name = "from_kafka";
  for (auto& t : topics)
    n.name += " " + t;
  n.impl = make_source_node<T>([connector = kafka_, properties, topics, options, strategy, deserialize](
                                 const instance_info& who, collector<T>* down, const job_config&) {
    return std::make_unique<kafka_source<T, F>>(who, down, connector, properties, topics, options, strategy,
                                                deserialize);
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
