#pragma once

// How dataflow jobs read and write an external Kafka cluster without
// runtime/ knowing librdkafka: env.from_kafka() and stream.to_kafka() talk to
// a kafka_connector, which io/kafka_connect/ implements over librdkafka
// (make_librdkafka_connector()). Set one on the environment with
// set_kafka_connector() before building a pipeline that uses Kafka. Unlike
// topic_client (rivulet's own store, one client per cluster), every source
// and sink carries its own librdkafka properties, passed through as given.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace rivulet {

/// librdkafka configuration properties ("bootstrap.servers", "acks", ...).
using kafka_properties = std::map<std::string, std::string>;

/// One partition of one topic.
struct kafka_partition {
  std::string topic;
  std::int32_t partition = 0;

  friend bool operator<(const kafka_partition& a, const kafka_partition& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  }
  friend bool operator==(const kafka_partition& a, const kafka_partition& b) {
    return a.topic == b.topic && a.partition == b.partition;
  }
};

/// One record read from Kafka. timestamp_ms is -1 when the record has none.
struct kafka_message {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Where a Kafka source starts and whether it ends.
struct kafka_read_options {
  /// Start at each partition's log start (else at its end offset at open).
  bool from_beginning = true;
  /// Stop at the end offsets (high watermarks) seen when the source opened;
  /// otherwise read forever (streaming).
  bool bounded = false;
  /// Longest time one emit() waits for records.
  std::chrono::milliseconds poll_wait{20};
  /// Bound on the metadata and offset queries made at open.
  std::chrono::milliseconds open_timeout{10000};
};

/// Reads the partitions one source instance owns. Instance i of n owns the
/// k-th partition of the list "topics in the order given, partitions in
/// ascending order" when k % n == i. Used by one thread at a time.
class kafka_reader {
public:
  virtual ~kafka_reader() = default;
  /// Up to `max` records in per-partition order; waits up to `wait` when
  /// none is ready. Throws std::runtime_error on a failure librdkafka does
  /// not retry, naming the topic and partition.
  virtual std::vector<kafka_message> poll(std::size_t max, std::chrono::milliseconds wait) = 0;
  /// Next offset to read for every owned partition (what a checkpoint
  /// stores); a partition whose end was reached reports that end.
  virtual std::map<kafka_partition, std::int64_t> positions() const = 0;
  /// Bounded reads: the end offsets seen at open, per owned partition.
  virtual std::map<kafka_partition, std::int64_t> end_offsets() const = 0;
  /// Bounded reads: true once every owned partition reached its end offset.
  virtual bool finished() const = 0;
};

/// Writes records to one topic.
class kafka_writer {
public:
  virtual ~kafka_writer() = default;
  /// Sends a record asynchronously (timestamp -1: the producer's clock). May
  /// block while librdkafka's queue is full. Does not throw for delivery
  /// failures: they show in error().
  virtual void send(std::optional<std::string> key, std::string value, std::int64_t timestamp_ms) = 0;
  /// Waits until every record sent has its delivery report; "" or the first
  /// error.
  virtual std::string flush() = 0;
  /// The first fatal or delivery error so far ("" if none), naming topic,
  /// partition and librdkafka's error, without waiting.
  virtual std::string error() const = 0;
  /// Records acknowledged by the cluster so far.
  virtual std::uint64_t delivered() const = 0;
};

/// Opens readers and writers. Shared by all instances of a job; thread-safe.
class kafka_connector {
public:
  virtual ~kafka_connector() = default;
  /// Throws std::invalid_argument naming the first property the client
  /// library rejects (unknown name or bad value).
  virtual void check_properties(const kafka_properties& properties) const = 0;
  /// Throws std::runtime_error naming the topic when it cannot be read.
  virtual std::unique_ptr<kafka_reader> open_reader(const kafka_properties& properties,
                                                    const std::vector<std::string>& topics, int instance,
                                                    int parallelism, const kafka_read_options& options) = 0;
  /// Throws std::runtime_error when the producer cannot be created.
  virtual std::unique_ptr<kafka_writer> open_writer(const kafka_properties& properties, const std::string& topic) = 0;
};

} // namespace rivulet
