#pragma once

// How dataflow jobs read and write topics of rivulet's topic store without
// runtime/ knowing actors: env.from_topic() and stream.to_topic() talk to a
// topic_client, which actors/topic_client.hpp implements over the native
// consumer and producer. Set one on the environment with
// set_topic_client() before building a pipeline that uses topics.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rivulet {

/// One record read from a topic.
struct topic_message {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Where a topic source starts and whether it ends.
struct topic_read_options {
  /// Read from the log start (else from the end offsets at open).
  bool from_beginning = true;
  /// Stop at the end offsets seen when the source opened (a bounded,
  /// batch-style read); otherwise read forever (streaming).
  bool bounded = false;
  /// Longest time one emit() waits for records.
  std::chrono::milliseconds poll_wait{20};
};

/// Reads the partitions of one topic that one source instance owns:
/// instance i of n owns the partitions p with p % n == i.
class topic_reader {
public:
  virtual ~topic_reader() = default;
  /// Up to `max` records in per-partition order; waits up to `wait` when
  /// none is ready. Throws std::runtime_error on a failure it cannot retry.
  virtual std::vector<topic_message> poll(std::size_t max, std::chrono::milliseconds wait) = 0;
  /// Bounded reads: true once every owned partition reached its end.
  virtual bool finished() const = 0;
  /// Next offset to read per owned partition (what a checkpoint stores).
  virtual std::map<std::int32_t, std::int64_t> positions() const = 0;
};

/// Writes records to one topic.
class topic_writer {
public:
  virtual ~topic_writer() = default;
  /// Sends a record asynchronously; a keyed record goes to Kafka's murmur2
  /// partition of its key. May block while the send buffer is full.
  virtual void send(std::optional<std::string> key, std::optional<std::string> value, std::int64_t timestamp_ms) = 0;
  /// Waits until every record sent is acknowledged; "" or the first error.
  virtual std::string flush() = 0;
  /// The first delivery error so far ("" if none), without waiting.
  virtual std::string error() const = 0;
};

class topic_client {
public:
  virtual ~topic_client() = default;
  /// Throws std::runtime_error naming the topic when it cannot be read.
  virtual std::unique_ptr<topic_reader> open_reader(const std::string& topic, int instance, int parallelism,
                                                    const topic_read_options& options) = 0;
  virtual std::unique_ptr<topic_writer> open_writer(const std::string& topic) = 0;
};

} // namespace rivulet
