#include "io/kafka_connect/librdkafka_writer.hpp"

#include <stdexcept>

#include "io/kafka_connect/rdkafka_conf.hpp"
#include "runtime/log.hpp"

namespace rivulet::io::kafka_connect {

namespace {

/// Idempotence (exactly-once per partition across librdkafka's retries)
/// by default, except where the user's acks forbid it.
property_defaults sink_defaults(const kafka_properties& properties) {
  auto acks = properties.find("acks");
  if (acks == properties.end())
    acks = properties.find("request.required.acks");
  bool acks_all = acks == properties.end() || acks->second == "all" || acks->second == "-1";
  auto retries = properties.find("retries");
  if (retries == properties.end())
    retries = properties.find("message.send.max.retries");
  bool retries_off = retries != properties.end() && retries->second == "0";
  return {{"enable.idempotence", acks_all && !retries_off ? "true" : "false"}, {"partitioner", "murmur2_random"}};
}

} // namespace

librdkafka_writer::librdkafka_writer(const kafka_properties& properties, std::string topic)
  : topic_(std::move(topic)) {
  rd_kafka_conf_t* conf = make_conf(properties, sink_defaults(properties));
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_conf_set_error_cb(conf, &on_error);
  char err[512] = "";
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create a librdkafka producer: ") + err);
  }
  rkt_ = rd_kafka_topic_new(rk_, topic_.c_str(), nullptr);
}

librdkafka_writer::~librdkafka_writer() {
  if (rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
  }
  rd_kafka_topic_destroy(rkt_);
  rd_kafka_destroy(rk_);
}

void librdkafka_writer::send(std::optional<std::string> key, std::string value, std::int64_t timestamp_ms) {
  const void* key_data = key ? key->data() : nullptr;
  std::size_t key_size = key ? key->size() : 0;
  for (;;) {
    auto res = rd_kafka_producev(rk_, RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key_data, key_size),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_TIMESTAMP((timestamp_ms < 0 ? 0 : timestamp_ms)), RD_KAFKA_V_END);
    if (res == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++sent_;
      break;
    }
    if (res != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Refused before any partition was picked (too large, unknown topic,
      // a fatal producer state): a failed delivery of this record.
      ++sent_;
      ++failed_;
      fail("topic '" + topic_ + "' partition (unassigned): " + error_text(res));
      break;
    }
    // The queue is full: serve delivery reports until there is room.
    rd_kafka_poll(rk_, 100);
    if (!error().empty())
      break;
  }
  rd_kafka_poll(rk_, 0);
}

std::string librdkafka_writer::flush() {
  // librdkafka retries on its own and fails a message once
  // message.timeout.ms passed, so this loop ends; a fatal error ends it early.
  while (rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_flush(rk_, 500);
    char buf[512] = "";
    if (auto code = rd_kafka_fatal_error(rk_, buf, sizeof buf); code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fail("topic '" + topic_ + "': fatal producer error " + rd_kafka_err2name(code) + ": " + buf);
      break;
    }
  }
  std::lock_guard<std::mutex> guard{mtx_};
  if (error_.empty() && delivered_ + failed_ != sent_)
    error_ = "topic '" + topic_ + "': " + std::to_string(sent_) + " records sent but " +
             std::to_string(delivered_ + failed_) + " delivery reports";
  return error_;
}

std::string librdkafka_writer::error() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return error_;
}

std::uint64_t librdkafka_writer::delivered() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return delivered_;
}

void librdkafka_writer::fail(std::string text) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (error_.empty())
    error_ = std::move(text);
}

void librdkafka_writer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<librdkafka_writer*>(opaque);
  if (!m->err) {
    std::lock_guard<std::mutex> guard{self->mtx_};
    ++self->delivered_;
    return;
  }
  {
    std::lock_guard<std::mutex> guard{self->mtx_};
    ++self->failed_;
  }
  auto partition = m->partition < 0 ? std::string("(unassigned)") : std::to_string(m->partition);
  self->fail("topic '" + self->topic_ + "' partition " + partition + ": delivery failed: " +
             rd_kafka_err2name(m->err) + ": " + rd_kafka_err2str(m->err));
}

void librdkafka_writer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<librdkafka_writer*>(opaque);
  if (err != RD_KAFKA_RESP_ERR__FATAL) {
    // Transport errors, brokers down: librdkafka retries them.
    RIVULET_LOG(log_level::warn, "kafka-connect", "producer for topic '" << self->topic_ << "': " << reason);
    return;
  }
  char buf[512] = "";
  auto code = rd_kafka_fatal_error(rk, buf, sizeof buf);
  self->fail("topic '" + self->topic_ + "': fatal producer error " + rd_kafka_err2name(code) + ": " + buf);
}

} // namespace rivulet::io::kafka_connect
