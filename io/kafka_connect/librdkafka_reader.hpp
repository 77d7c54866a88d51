#pragma once

// A kafka_reader over one librdkafka consumer with explicitly assigned
// partitions (no group membership), so the source owns its positions.

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/kafka_io.hpp"

namespace rivulet::io::kafka_connect {

class librdkafka_reader final : public kafka_reader {
public:
  /// Connects, splits the topics' partitions by instance, queries their
  /// offsets and assigns the owned ones. Throws std::invalid_argument for
  /// a rejected property, std::runtime_error naming the topic when its
  /// metadata or offsets cannot be had within options.open_timeout.
  librdkafka_reader(const kafka_properties& properties, const std::vector<std::string>& topics, int instance,
                    int parallelism, const kafka_read_options& options);
  ~librdkafka_reader() override;
  librdkafka_reader(const librdkafka_reader&) = delete;
  librdkafka_reader& operator=(const librdkafka_reader&) = delete;

  std::vector<kafka_message> poll(std::size_t max, std::chrono::milliseconds wait) override;
  std::map<kafka_partition, std::int64_t> positions() const override {
    return next_;
  }
  std::map<kafka_partition, std::int64_t> end_offsets() const override {
    return bounded_ ? end_ : std::map<kafka_partition, std::int64_t>{};
  }
  bool finished() const override;

private:
  std::vector<kafka_partition> split(const std::vector<std::string>& topics, int instance, int parallelism,
                                     std::chrono::steady_clock::time_point deadline);
  void query_offsets(const std::vector<kafka_partition>& owned, std::chrono::steady_clock::time_point deadline);
  void assign(bool from_beginning);
  void on_error(const rd_kafka_message_t& m);
  void on_end(const kafka_partition& p);

  rd_kafka_t* rk_ = nullptr;
  bool bounded_;
  std::map<kafka_partition, std::int64_t> next_;
  std::map<kafka_partition, std::int64_t> start_;
  std::map<kafka_partition, std::int64_t> end_;
  std::map<kafka_partition, bool> paused_;
};

} // namespace rivulet::io::kafka_connect
