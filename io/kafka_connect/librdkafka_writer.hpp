#pragma once

// A kafka_writer over one librdkafka producer. Delivery reports and
// producer errors are served on the caller's thread (send and flush poll),
// so the writer needs no thread of its own.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "runtime/kafka_io.hpp"

namespace rivulet::io::kafka_connect {

class librdkafka_writer final : public kafka_writer {
public:
  /// Throws std::invalid_argument for a rejected property, std::runtime_error
  /// when librdkafka refuses the configuration.
  librdkafka_writer(const kafka_properties& properties, std::string topic);
  /// Drops what was not delivered (a failed job) without waiting.
  ~librdkafka_writer() override;
  librdkafka_writer(const librdkafka_writer&) = delete;
  librdkafka_writer& operator=(const librdkafka_writer&) = delete;

  void send(std::optional<std::string> key, std::string value, std::int64_t timestamp_ms) override;
  std::string flush() override;
  std::string error() const override;
  std::uint64_t delivered() const override;

private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void fail(std::string text);

  std::string topic_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  mutable std::mutex mtx_;  // librdkafka may call on_error from its own threads
  std::string error_;
  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t failed_ = 0;
};

} // namespace rivulet::io::kafka_connect
