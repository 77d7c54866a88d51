#include "actors/topic_client.hpp"

#include <mutex>
#include <stdexcept>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"

namespace rivulet::actors {

namespace {

using namespace std::chrono_literals;

/// Partition count of `topic`, asking the bootstrap nodes in turn.
std::int32_t partition_count(caf::actor_system& sys, const std::vector<caf::actor>& nodes, const std::string& topic,
                             std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  std::string last_error = "no node answered";
  for (auto& node : nodes) {
    std::int32_t count = -1;
    self->request(node, timeout, metadata_request{{topic}})
      .receive(
        [&](metadata_reply& md) {
          if (md.topics.size() == 1 && md.topics[0].error.empty())
            count = static_cast<std::int32_t>(md.topics[0].partitions.size());
          else if (md.topics.size() == 1)
            last_error = md.topics[0].error;
        },
        [&](caf::error& e) { last_error = caf::to_string(e); });
    if (count >= 0)
      return count;
  }
  throw std::runtime_error("topic '" + topic + "': " + last_error);
}

class reader final : public topic_reader {
public:
  reader(caf::actor_system& sys, consumer_config cfg, std::string topic, std::vector<std::int32_t> owned,
         const topic_read_options& options)
    : consumer_(sys, cfg), topic_(std::move(topic)), owned_(std::move(owned)) {
    std::vector<topic_partition> tps;
    for (auto p : owned_)
      tps.push_back({topic_, p});
    consumer_.assign(tps);
    if (options.bounded || !options.from_beginning) {
      consumer_.seek_to_end(tps);
      for (auto& tp : tps) {
        auto end = consumer_.position(tp, cfg.request_timeout * 4);
        if (!end)
          throw std::runtime_error("no end offset for " + topic_ + "-" + std::to_string(tp.partition));
        ends_[tp.partition] = *end;
      }
    }
    if (options.from_beginning)
      consumer_.seek_to_beginning(tps);
  }

  std::vector<topic_message> poll(std::size_t max, std::chrono::milliseconds wait) override {
    std::vector<topic_message> out;
    for (auto& r : consumer_.poll(wait)) {
      topic_message m;
      m.partition = r.partition;
      m.offset = r.offset;
      m.timestamp_ms = r.timestamp_ms;
      m.key = std::move(r.key);
      m.value = std::move(r.value);
      out.push_back(std::move(m));
    }
    (void) max;  // the consumer's max_poll_records bounds a poll
    return out;
  }

  bool finished() const override {
    for (auto& [p, end] : ends_) {
      auto pos = const_cast<consumer&>(consumer_).position({topic_, p});
      if (!pos || *pos < end)
        return false;
    }
    return true;
  }

  std::map<std::int32_t, std::int64_t> positions() const override {
    std::map<std::int32_t, std::int64_t> out;
    for (auto p : owned_)
      if (auto pos = const_cast<consumer&>(consumer_).position({topic_, p}))
        out[p] = *pos;
    return out;
  }

private:
  consumer consumer_;
  std::string topic_;
  std::vector<std::int32_t> owned_;
  std::map<std::int32_t, std::int64_t> ends_;
};

class writer final : public topic_writer {
public:
  writer(caf::actor_system& sys, producer_config cfg, std::string topic)
    : state_(std::make_shared<shared>()), producer_(sys, cfg), topic_(std::move(topic)) {
  }

  void send(std::optional<std::string> key, std::optional<std::string> value, std::int64_t ts) override {
    producer_.send(topic_, std::move(key), std::move(value), ts, [st = state_](const delivery& d) {
      if (d.ok())
        return;
      std::lock_guard<std::mutex> guard(st->mtx);
      if (st->error.empty())
        st->error = d.topic + "-" + std::to_string(d.partition) + ": " + d.error;
    });
  }

  std::string flush() override {
    producer_.flush();
    return error();
  }

  std::string error() const override {
    std::lock_guard<std::mutex> guard(state_->mtx);
    return state_->error;
  }

private:
  struct shared {
    std::mutex mtx;
    std::string error;
  };
  std::shared_ptr<shared> state_;
  producer producer_;
  std::string topic_;
};

class client final : public topic_client {
public:
  client(caf::actor_system& sys, topic_client_config cfg) : sys_(sys), cfg_(std::move(cfg)) {
    cfg_.producer.bootstrap = cfg_.bootstrap;
    cfg_.consumer.bootstrap = cfg_.bootstrap;
  }

  std::unique_ptr<topic_reader> open_reader(const std::string& topic, int instance, int parallelism,
                                            const topic_read_options& options) override {
    auto n = partition_count(sys_, cfg_.bootstrap, topic, cfg_.consumer.request_timeout);
    std::vector<std::int32_t> owned;
    for (std::int32_t p = 0; p < n; ++p)
      if (p % parallelism == instance)
        owned.push_back(p);
    auto cc = cfg_.consumer;
    cc.group_id.clear();  // partitions are split by instance, not by a group
    return std::make_unique<reader>(sys_, cc, topic, std::move(owned), options);
  }

  std::unique_ptr<topic_writer> open_writer(const std::string& topic) override {
    return std::make_unique<writer>(sys_, cfg_.producer, topic);
  }

private:
  caf::actor_system& sys_;
  topic_client_config cfg_;
};

} // namespace

std::shared_ptr<topic_client> make_topic_client(caf::actor_system& sys, topic_client_config cfg) {
  return std::make_shared<client>(sys, std::move(cfg));
}

} // namespace rivulet::actors
