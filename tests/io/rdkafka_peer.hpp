#pragma once

// librdkafka 2.0.2 as a test peer: a one-broker mock cluster, and a producer
// and an assign-consumer driven to completion. Test-only; every failure is a
// Catch assertion.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rivulet::io::kafka::test {

using bytes = std::vector<std::uint8_t>;

struct message {
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int64_t timestamp_ms = 0;
  std::int64_t offset = -1;
};

inline void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

inline rd_kafka_conf_t* base_conf(const std::string& bootstraps) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  return conf;
}

inline void set_conf(rd_kafka_conf_t* conf, const char* name, const char* value) {
  char err[512] = "";
  const auto res = rd_kafka_conf_set(conf, name, value, err, sizeof err);
  INFO(name << "=" << value << ": " << err);
  REQUIRE(res == RD_KAFKA_CONF_OK);
}

/// A one-broker mock cluster owned by a throwaway producer handle.
class mock_cluster {
public:
  mock_cluster() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, &quiet_log);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk_ != nullptr);
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    REQUIRE(mc_ != nullptr);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(mc_);
  }
  ~mock_cluster() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  void create_topic(const char* name) {
    REQUIRE(rd_kafka_mock_topic_create(mc_, name, 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }

private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  std::string bootstraps_;
};

inline void count_failures(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err)
    ++*static_cast<int*>(opaque);
}

inline void produce_with_librdkafka(const std::string& bootstraps, const char* topic,
                             const std::vector<message>& msgs, const char* codec) {
  rd_kafka_conf_t* conf = base_conf(bootstraps);
  set_conf(conf, "linger.ms", "500"); // all messages in one batch
  set_conf(conf, "compression.codec", codec);
  set_conf(conf, "acks", "all");
  int failures = 0;
  rd_kafka_conf_set_opaque(conf, &failures);
  rd_kafka_conf_set_dr_msg_cb(conf, &count_failures);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  for (const message& m : msgs) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
    for (const auto& [k, v] : m.headers)
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    const void* key = m.key ? m.key->data() : nullptr;
    const std::size_t key_len = m.key ? m.key->size() : 0;
    rd_kafka_resp_err_t e = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key, key_len),
      RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
      RD_KAFKA_V_TIMESTAMP(m.timestamp_ms), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_flush(rk, 15000);
  CHECK(rd_kafka_outq_len(rk) == 0);
  rd_kafka_destroy(rk);
  CHECK(failures == 0);
}

struct consumed {
  std::vector<message> messages;
  std::vector<std::string> errors; ///< Consumer errors; polling stops at the first.
};

inline consumed consume_with_librdkafka(const std::string& bootstraps, const char* topic,
                                 std::size_t n) {
  rd_kafka_conf_t* conf = base_conf(bootstraps);
  set_conf(conf, "group.id", "rivulet-interop");
  set_conf(conf, "enable.auto.commit", "false");
  set_conf(conf, "check.crcs", "true");
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<message> got;
  std::vector<std::string> errors;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.size() < n && errors.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m)
      continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        errors.push_back(rd_kafka_message_errstr(m));
    } else {
      message out;
      if (m->key)
        out.key = std::string(static_cast<const char*>(m->key), m->key_len);
      out.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_timestamp_type_t type;
      out.timestamp_ms = rd_kafka_message_timestamp(m, &type);
      out.offset = m->offset;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i)
          out.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
      }
      got.push_back(std::move(out));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return {std::move(got), std::move(errors)};
}

/// A blocking Kafka protocol connection: request header v1, response header v0.

} // namespace rivulet::io::kafka::test
