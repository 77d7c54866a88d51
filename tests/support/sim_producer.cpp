#include "tests/support/sim_producer.hpp"

#include <caf/all.hpp>

#include "actors/node_messages.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"

namespace rivulet::testing {

std::size_t sim_producer_log::acked(std::int32_t partition) const {
  std::size_t n = 0;
  for (auto& b : batches.at(static_cast<std::size_t>(partition)))
    n += b.acked ? 1 : 0;
  return n;
}

bool sim_producer_log::settled() const {
  for (auto& bs : batches)
    if (!bs.empty() && !bs.back().acked)
      return false;
  return true;
}

namespace {

struct producer_state {
  static inline const char* name = "rivulet.sim_producer";
  sim_producer_config cfg;
  std::shared_ptr<sim_producer_log> log;
  std::vector<std::int64_t> leader;  // per partition, 0 = ask the metadata
  std::size_t next_node = 0;          // round robin for metadata and admin
};

using producer_t = caf::stateful_actor<producer_state>;

// Delayed retries are (tick_atom, partition); partition -1 retries the create.
constexpr std::int32_t create_step = -1;

void retry(producer_t* self, std::int32_t partition) {
  self->delayed_send(self, self->state.cfg.backoff, actors::tick_atom_v, partition);
}

caf::actor any_node(producer_t* self) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.cfg.nodes.size(); ++i) {
    auto id = st.cfg.nodes[st.next_node++ % st.cfg.nodes.size()];
    if (auto h = st.cfg.node(id))
      return h;
  }
  return {};
}

sim_batch make_batch(const sim_producer_config& cfg, std::int32_t partition, std::int32_t number) {
  sim_batch b;
  b.partition = partition;
  b.number = number;
  std::vector<io::kafka::plain_record> recs;
  for (int i = 0; i < cfg.records_per_batch; ++i) {
    b.values.push_back("p" + std::to_string(partition) + "-b" + std::to_string(number) + "-r" + std::to_string(i));
    recs.push_back({std::nullopt, b.values.back(), 1000 + number});
  }
  io::kafka::producer_stamp stamp;
  if (cfg.producer_id >= 0)
    stamp = {cfg.producer_id, 0, number * cfg.records_per_batch};
  auto bytes = io::kafka::encode_batch(recs, stamp);
  b.bytes = bytes.ok() ? std::move(*bytes) : std::string{};
  return b;
}

void send_next(producer_t* self, std::int32_t p);

void refresh_leader(producer_t* self, std::int32_t p) {
  auto& st = self->state;
  auto node = any_node(self);
  if (!node) {
    retry(self, p);
    return;
  }
  ++st.log->metadata_requests;
  self->request(node, st.cfg.request_timeout, actors::metadata_request{{st.cfg.topic}})
    .then(
      [self, p](actors::metadata_reply& md) {
        auto& st = self->state;
        if (md.topics.size() == 1 && md.topics[0].error.empty()
            && md.topics[0].partitions.size() == static_cast<std::size_t>(st.cfg.partitions)) {
          auto& parts = md.topics[0].partitions;
          st.log->groups.resize(parts.size());
          for (std::size_t i = 0; i < parts.size(); ++i)
            st.log->groups[i] = parts[i].group;
          st.leader[static_cast<std::size_t>(p)] = parts[static_cast<std::size_t>(p)].leader;
        }
        // A stale view may name a node that is down: back off, do not spin.
        auto leader = st.leader[static_cast<std::size_t>(p)];
        if (leader != 0 && st.cfg.node(leader))
          send_next(self, p);
        else
          retry(self, p);
      },
      [self, p](caf::error&) { retry(self, p); });
}

/// Sends the partition's unacknowledged batch, or starts the next one.
void send_next(producer_t* self, std::int32_t p) {
  auto& st = self->state;
  auto& bs = st.log->batches[static_cast<std::size_t>(p)];
  if (bs.empty() || bs.back().acked) {
    if (st.log->stop_new || static_cast<int>(bs.size()) >= st.cfg.max_batches)
      return;
    bs.push_back(make_batch(st.cfg, p, static_cast<std::int32_t>(bs.size())));
  }
  auto leader = st.leader[static_cast<std::size_t>(p)];
  auto node = leader != 0 ? st.cfg.node(leader) : caf::actor{};
  if (!node) {
    refresh_leader(self, p);
    return;
  }
  ++bs.back().sends;
  ++st.log->sends;
  actors::topic_produce req{st.cfg.topic, p, actors::produce_request{bs.back().bytes, -1}};
  self->request(node, st.cfg.request_timeout, std::move(req))
    .then(
      [self, p](actors::produce_reply& r) {
        auto& st = self->state;
        auto& b = st.log->batches[static_cast<std::size_t>(p)].back();
        if (r.ok) {
          b.acked = true;
          b.base_offset = r.base_offset;
          b.last_offset = r.last_offset;
          ++st.log->acks;
          self->delayed_send(self, st.cfg.pause, actors::tick_atom_v, p);
          return;
        }
        ++st.log->refusals;
        st.leader[static_cast<std::size_t>(p)] = r.leader;
        retry(self, p);
      },
      [self, p](caf::error&) {
        auto& st = self->state;
        ++st.log->timeouts;
        st.leader[static_cast<std::size_t>(p)] = 0;
        retry(self, p);
      });
}

void create_topic(producer_t* self) {
  auto& st = self->state;
  auto node = any_node(self);
  if (!node) {
    retry(self, create_step);
    return;
  }
  actors::create_topic_request req;
  req.topic = st.cfg.topic;
  req.partitions = st.cfg.partitions;
  req.replication_factor = st.cfg.replication_factor;
  self->request(node, st.cfg.request_timeout, std::move(req))
    .then(
      [self](actors::admin_reply& r) {
        auto& st = self->state;
        // A create whose reply was lost is refused when retried.
        if (!r.ok && r.error.find("already exists") == std::string::npos) {
          retry(self, create_step);
          return;
        }
        st.log->topic_created = true;
        for (std::int32_t p = 0; p < st.cfg.partitions; ++p)
          send_next(self, p);
      },
      [self](caf::error&) { retry(self, create_step); });
}

caf::behavior sim_producer(producer_t* self, sim_producer_config cfg, std::shared_ptr<sim_producer_log> log) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = std::move(log);
  st.log->batches.resize(static_cast<std::size_t>(st.cfg.partitions));
  st.leader.assign(static_cast<std::size_t>(st.cfg.partitions), 0);
  create_topic(self);
  return {
    [self](actors::tick_atom, std::int32_t p) {
      if (p == create_step)
        create_topic(self);
      else
        send_next(self, p);
    },
  };
}

} // namespace

caf::actor spawn_sim_producer(caf::actor_system& sys, sim_producer_config cfg,
                              std::shared_ptr<sim_producer_log> log) {
  return sys.spawn(sim_producer, std::move(cfg), std::move(log));
}

} // namespace rivulet::testing
