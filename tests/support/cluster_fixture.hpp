#pragma once

// A 3-node embedded topic-store cluster in one actor system, with the small
// helpers tests use around it: wait for a condition with a deadline, ask a
// node, create a topic and wait for its leaders, produce one batch with
// acks=all, read a partition back from one node.

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/embedded_cluster.hpp"
#include "actors/executor.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"
#include "tests/support/temp_dir.hpp"

namespace rivulet::testing {

using namespace std::chrono_literals;

/// Polls `check` until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check())
      return true;
    std::this_thread::yield();
    std::this_thread::sleep_for(5ms);  // poll interval, not a wait for an event
  }
  return check();
}

struct cluster_fixture {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  temp_dir dir;
  std::optional<actors::embedded_cluster> cluster;

  /// `tweak` may change the cluster's settings before it starts.
  explicit cluster_fixture(const std::function<void(actors::embedded_cluster_config&)>& tweak = {}) {
    actors::configure_system(cfg, job_config{});
    sys.emplace(cfg);
    actors::embedded_cluster_config ec;
    ec.base_dir = dir.path().string();
    ec.nodes = 3;
    ec.tick = 10ms;
    ec.fsync = cluster::fsync_policy::never;
    if (tweak)
      tweak(ec);
    cluster.emplace(*sys, ec);
  }
  ~cluster_fixture() { cluster.reset(); }

  template <class Reply, class Request>
  std::optional<Reply> ask(const caf::actor& to, Request req) {
    if (!to)
      return std::nullopt;
    caf::scoped_actor self{*sys};
    std::optional<Reply> out;
    self->request(to, 2s, std::move(req)).receive([&](Reply& r) { out = std::move(r); }, [](caf::error&) {});
    return out;
  }

  std::optional<actors::metadata_reply> metadata(std::int64_t node, std::vector<std::string> topics = {}) {
    return ask<actors::metadata_reply>(cluster->node(node), actors::metadata_request{std::move(topics)});
  }

  actors::admin_reply create(std::int64_t node, std::string topic, int partitions, int rf) {
    actors::admin_reply last;
    eventually([&] {
      actors::create_topic_request req;
      req.topic = topic;
      req.partitions = partitions;
      req.replication_factor = static_cast<std::int16_t>(rf);
      auto r = ask<actors::admin_reply>(cluster->node(node), req);
      if (!r)
        return false;
      last = *r;
      // Until a controller leader exists the node says so; retry.
      return r->ok || r->error.find("retry") == std::string::npos;
    });
    return last;
  }

  /// Whether every running node knows `topic` with a leader for every partition.
  bool topic_ready(const std::string& topic, std::size_t partitions) {
    for (auto id : cluster->ids()) {
      if (!cluster->node(id))
        continue;
      auto md = metadata(id, {topic});
      if (!md || md->topics.size() != 1 || !md->topics[0].error.empty()
          || md->topics[0].partitions.size() != partitions)
        return false;
      for (auto& p : md->topics[0].partitions)
        if (p.leader == 0 || !cluster->node(p.leader))
          return false;
    }
    return true;
  }

  /// Produces one batch of `values` to (topic, p) with acks=all, retrying at
  /// the leader the metadata names until acknowledged.
  actors::produce_reply produce(const std::string& topic, std::int32_t p, const std::vector<std::string>& values) {
    std::vector<io::kafka::plain_record> recs;
    for (auto& v : values)
      recs.push_back({std::nullopt, v, 1000});
    auto batch = io::kafka::encode_batch(recs);
    REQUIRE(batch.ok());
    actors::produce_reply last;
    bool ok = eventually([&] {
      std::int64_t leader = 0;
      for (auto id : cluster->ids()) {
        auto md = metadata(id, {topic});
        if (md && md->topics.size() == 1 && md->topics[0].partitions.size() > static_cast<std::size_t>(p)) {
          leader = md->topics[0].partitions[static_cast<std::size_t>(p)].leader;
          if (leader && cluster->node(leader))
            break;
        }
      }
      if (!leader || !cluster->node(leader))
        return false;
      actors::topic_produce req{topic, p, actors::produce_request{*batch, -1}};
      auto r = ask<actors::produce_reply>(cluster->node(leader), req);
      if (!r)
        return false;
      last = *r;
      return r->ok;
    });
    INFO(last.error);
    REQUIRE(ok);
    return last;
  }

  /// Every record value of (topic, p) that `node`'s replica has committed.
  std::vector<std::string> read_all(std::int64_t node, const std::string& topic, std::int32_t p) {
    std::vector<std::string> out;
    std::int64_t offset = 0;
    for (int rounds = 0; rounds < 1000; ++rounds) {
      actors::topic_fetch req{topic, p, actors::fetch_request{offset, 1 << 20, 0}};
      auto r = ask<actors::fetch_reply>(cluster->node(node), req);
      if (!r || !r->ok || r->batches.empty())
        break;
      std::vector<io::kafka::read_record> recs;
      REQUIRE(io::kafka::decode_batches(r->batches, offset, recs).ok());
      for (auto& rec : recs)
        out.push_back(rec.value.value_or("<null>"));
      offset = io::kafka::next_offset(r->batches, offset);
    }
    return out;
  }
};

inline std::vector<std::string> values(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

} // namespace rivulet::testing
