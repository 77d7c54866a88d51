#include "io/kafka_connect/librdkafka_reader.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "io/kafka_connect/rdkafka_conf.hpp"
#include "runtime/log.hpp"

namespace rivulet::io::kafka_connect {

namespace {

using clock_type = std::chrono::steady_clock;

int ms_left(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 1, 1000));
}

std::string name(const kafka_partition& p) {
  return "topic '" + p.topic + "' partition " + std::to_string(p.partition);
}

/// Errors librdkafka reports on a consumer but will not get past by
/// retrying; the rest (transport, leader changes, brokers down) it retries.
bool is_permanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return true;
    default:
      return false;
  }
}

} // namespace

librdkafka_reader::librdkafka_reader(const kafka_properties& properties, const std::vector<std::string>& topics,
                                     int instance, int parallelism, const kafka_read_options& options)
  : bounded_(options.bounded) {
  rd_kafka_conf_t* conf = make_conf(properties, {{"group.id", "rivulet-kafka-source"},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.auto.offset.store", "false"},
                                                 {"enable.partition.eof", "true"}});
  char err[512] = "";
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create a librdkafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk_);
  try {
    auto deadline = clock_type::now() + options.open_timeout;
    auto owned = split(topics, instance, parallelism, deadline);
    query_offsets(owned, deadline);
    assign(options.from_beginning);
  } catch (...) {
    rd_kafka_destroy(rk_);
    throw;
  }
}

librdkafka_reader::~librdkafka_reader() {
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

std::vector<kafka_partition> librdkafka_reader::split(const std::vector<std::string>& topics, int instance,
                                                      int parallelism, clock_type::time_point deadline) {
  std::vector<kafka_partition> all;
  for (auto& topic : topics) {
    std::string last_error;
    int count = 0;
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    // A topic just created may have no leaders yet: ask again until the
    // deadline, but give up at once on errors no retry cures.
    while (count == 0) {
      const rd_kafka_metadata_t* md = nullptr;
      auto res = rd_kafka_metadata(rk_, 0, t, &md, ms_left(deadline));
      if (res != RD_KAFKA_RESP_ERR_NO_ERROR) {
        last_error = error_text(res);
      } else {
        auto terr = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        if (terr == RD_KAFKA_RESP_ERR_NO_ERROR)
          count = md->topics[0].partition_cnt;
        last_error = terr == RD_KAFKA_RESP_ERR_NO_ERROR ? "no partitions" : error_text(terr);
        rd_kafka_metadata_destroy(md);
        if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || terr == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
          break;
      }
      if (count == 0 && clock_type::now() >= deadline)
        break;
      if (count == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // retry back-off
    }
    rd_kafka_topic_destroy(t);
    if (count == 0)
      throw std::runtime_error("topic '" + topic + "': " + last_error);
    for (std::int32_t p = 0; p < count; ++p)
      all.push_back({topic, p});
  }
  std::vector<kafka_partition> owned;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (k % static_cast<std::size_t>(parallelism) == static_cast<std::size_t>(instance))
      owned.push_back(all[k]);
  return owned;
}

void librdkafka_reader::query_offsets(const std::vector<kafka_partition>& owned, clock_type::time_point deadline) {
  // rd_kafka_offsets_for_times() with the symbolic times -2 (earliest) and
  // -1 (latest) asks ListOffsets for both watermarks and keeps to its
  // timeout. rd_kafka_query_watermark_offsets() does not: in librdkafka
  // 2.0.2 it retries a dead leader for as long as any broker's state keeps
  // changing, which a killed node's reconnect attempts do forever (a job
  // restarted after a leader was killed hung there). After a failed round
  // the metadata is read again, so a leader that moved is found.
  if (owned.empty())
    return;
  std::string last_error = "no answer";
  for (;;) {
    auto* lows = rd_kafka_topic_partition_list_new(static_cast<int>(owned.size()));
    auto* highs = rd_kafka_topic_partition_list_new(static_cast<int>(owned.size()));
    for (auto& p : owned) {
      rd_kafka_topic_partition_list_add(lows, p.topic.c_str(), p.partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
      rd_kafka_topic_partition_list_add(highs, p.topic.c_str(), p.partition)->offset = RD_KAFKA_OFFSET_END;
    }
    auto res = rd_kafka_offsets_for_times(rk_, lows, ms_left(deadline));
    if (res == RD_KAFKA_RESP_ERR_NO_ERROR)
      res = rd_kafka_offsets_for_times(rk_, highs, ms_left(deadline));
    bool complete = res == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!complete)
      last_error = error_text(res);
    for (int i = 0; complete && i < lows->cnt; ++i) {
      const auto& lo = lows->elems[i];
      const auto& hi = highs->elems[i];
      auto err = lo.err ? lo.err : hi.err;
      if (err || lo.offset < 0 || hi.offset < 0) {
        complete = false;
        last_error = name(owned[static_cast<std::size_t>(i)]) + ": "
                     + (err ? error_text(err) : std::string("no offset in the answer"));
        break;
      }
      start_[owned[static_cast<std::size_t>(i)]] = lo.offset;
      end_[owned[static_cast<std::size_t>(i)]] = std::max(lo.offset, hi.offset);
    }
    rd_kafka_topic_partition_list_destroy(lows);
    rd_kafka_topic_partition_list_destroy(highs);
    if (complete)
      return;
    if (is_permanent(res) || clock_type::now() >= deadline)
      throw std::runtime_error("no offsets for " + name(owned.front()) + (owned.size() > 1 ? " and others" : "")
                               + ": " + last_error);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 1, nullptr, &md, ms_left(deadline)) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);  // read for its side effect: librdkafka's leader cache
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // retry back-off
  }
}

void librdkafka_reader::assign(bool from_beginning) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(start_.size()));
  for (auto& [p, low] : start_) {
    // From the beginning: the symbolic offset, so a log start that moved
    // since the query is no out-of-range error.
    auto first = from_beginning ? RD_KAFKA_OFFSET_BEGINNING : end_[p];
    rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition)->offset = first;
    next_[p] = from_beginning ? low : end_[p];
  }
  auto res = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (res != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("assign failed: " + error_text(res));
  if (bounded_)
    for (auto& [p, next] : next_)
      if (next >= end_[p])
        on_end(p);
}

std::vector<kafka_message> librdkafka_reader::poll(std::size_t max, std::chrono::milliseconds wait) {
  std::vector<kafka_message> out;
  int timeout = static_cast<int>(wait.count());
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout);
    if (!m)
      break;
    timeout = 0;  // after the first event take only what is ready
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      kafka_partition p{rd_kafka_topic_name(m->rkt), m->partition};
      if (auto it = next_.find(p); it != next_.end()) {
        // The offset at EOF lies past any control records at the tail.
        it->second = std::max(it->second, m->offset);
        if (bounded_ && it->second >= end_[p])
          on_end(p);
      }
    } else if (m->err) {
      try {
        on_error(*m);
      } catch (...) {
        rd_kafka_message_destroy(m);
        throw;
      }
    } else {
      kafka_partition p{rd_kafka_topic_name(m->rkt), m->partition};
      auto it = next_.find(p);
      bool beyond_end = bounded_ && m->offset >= end_[p];
      if (it != next_.end() && !beyond_end) {
        kafka_message km;
        km.topic = p.topic;
        km.partition = p.partition;
        km.offset = m->offset;
        rd_kafka_timestamp_type_t type;
        km.timestamp_ms = rd_kafka_message_timestamp(m, &type);
        if (m->key)
          km.key.emplace(static_cast<const char*>(m->key), m->key_len);
        if (m->payload)
          km.value.emplace(static_cast<const char*>(m->payload), m->len);
        out.push_back(std::move(km));
        it->second = m->offset + 1;
      }
      if (bounded_ && it != next_.end() && it->second >= end_[p])
        on_end(p);
    }
    rd_kafka_message_destroy(m);
  }
  return out;
}

void librdkafka_reader::on_error(const rd_kafka_message_t& m) {
  std::string where = m.rkt ? name({rd_kafka_topic_name(m.rkt), m.partition}) : "consumer";
  std::string text = rd_kafka_message_errstr(&m);
  if (m.err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512] = "";
    auto code = rd_kafka_fatal_error(rk_, buf, sizeof buf);
    text = std::string(rd_kafka_err2name(code)) + ": " + buf;
  }
  if (is_permanent(m.err))
    throw std::runtime_error(where + ": " + text);
  RIVULET_LOG(log_level::warn, "kafka-connect", where << ": " << text << " (librdkafka retries)");
}

void librdkafka_reader::on_end(const kafka_partition& p) {
  // Nothing past the end offset is wanted: stop fetching it.
  if (paused_[p])
    return;
  paused_[p] = true;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition);
  rd_kafka_pause_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

bool librdkafka_reader::finished() const {
  for (auto& [p, next] : next_)
    if (next < end_.at(p))
      return false;
  return true;
}

} // namespace rivulet::io::kafka_connect
