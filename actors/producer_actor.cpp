// The producer's actor: takes records from the API threads (producer_shared),
// routes them to partitions, keeps the metadata it needs, sends batches to
// partition leaders and reports outcomes. Event-based: it never waits; the
// batching and retry rules live in partition_queue.

#include <map>
#include <utility>

#include <caf/all.hpp>

#include "actors/client_metadata.hpp"
#include "actors/producer_partition.hpp"
#include "actors/producer_shared.hpp"
#include "actors/type_ids.hpp"
#include "runtime/log.hpp"
#include "runtime/partitioner.hpp"

namespace rivulet::actors::detail {

namespace {

using partition_key = std::pair<std::string, std::int32_t>;

/// Records of a topic the metadata does not list yet.
struct waiting_topic {
  std::vector<outgoing_record> records;
  /// The first metadata request sent after the topic was missed: a reply to
  /// it (or a later one) that still lacks the topic makes it unknown.
  std::uint64_t decided_by = 0;
  steady_time since;
};

struct producer_actor_state {
  static inline const char* name = "rivulet.producer";
  producer_config cfg;
  std::shared_ptr<producer_shared> shared;
  batching_settings batching;
  std::optional<client_metadata> metadata;
  std::map<partition_key, partition_queue> partitions;
  /// The node each partition's in-flight batches went to.
  std::map<partition_key, caf::actor> destinations;
  std::map<std::string, keyless_partitioner> keyless;
  std::map<std::string, waiting_topic> waiting;
  bool metadata_in_flight = false;
  /// Something needs fresher metadata than the last reply.
  bool metadata_wanted = false;
  std::uint64_t metadata_sent = 0;
  steady_time next_metadata_at{};
  std::uint64_t request_ids = 0;
  std::optional<steady_time> timer_at;
  bool flushing = false;
};

using producer_actor = caf::stateful_actor<producer_actor_state>;

steady_time now() {
  return std::chrono::steady_clock::now();
}

std::string tp_name(const partition_key& k) {
  return k.first + "-" + std::to_string(k.second);
}

void report_batch(producer_actor* self, const partition_key& k, finished_batch& f) {
  std::vector<std::uint64_t> serials;
  std::size_t charge = 0;
  for (std::size_t i = 0; i < f.tickets.size(); ++i) {
    auto& t = f.tickets[i];
    delivery d;
    d.topic = k.first;
    d.partition = k.second;
    if (f.error.empty())
      d.offset = f.base_offset >= 0 ? f.base_offset + static_cast<std::int64_t>(i) : -1;
    else
      d.error = f.error;
    t.report(d);
    serials.push_back(t.serial);
    charge += t.charge;
  }
  release(*self->state.shared, serials, charge);
}

void fail_record(producer_actor* self, outgoing_record& r, std::string error) {
  delivery d;
  d.topic = r.topic;
  d.error = std::move(error);
  r.report(d);
  release(*self->state.shared, {r.serial}, r.charge);
}

partition_queue& queue_of(producer_actor* self, const partition_key& k) {
  auto& st = self->state;
  auto it = st.partitions.find(k);
  if (it == st.partitions.end())
    it = st.partitions.emplace(k, partition_queue{tp_name(k), st.batching}).first;
  return it->second;
}

/// Puts a record of a topic the metadata lists into its partition's queue.
void place(producer_actor* self, outgoing_record& r, const topic_metadata& t, steady_time at) {
  auto& st = self->state;
  auto n = static_cast<std::int32_t>(t.partitions.size());
  if (n == 0)
    return fail_record(self, r, "topic '" + r.topic + "' has no partitions");
  std::int32_t p = 0;
  bool keyed = r.record.key.has_value();
  if (keyed) {
    p = partition_for_key(*r.record.key, n);
  } else {
    auto mode = st.cfg.keyless_partitioning == producer_config::keyless::sticky
                  ? keyless_partitioner::mode::sticky
                  : keyless_partitioner::mode::round_robin;
    p = st.keyless.try_emplace(r.topic, mode).first->second.next(n);
  }
  partition_key k{r.topic, p};
  bool sealed = queue_of(self, k).append(std::move(r.record), record_ticket{r.serial, r.charge, std::move(r.report)}, at);
  if (sealed && !keyed)
    st.keyless.at(k.first).on_batch_done();
}

void route(producer_actor* self, outgoing_record& r, steady_time at) {
  auto& st = self->state;
  if (auto* t = st.metadata->topic(r.topic)) {
    place(self, r, *t, at);
    return;
  }
  auto [it, added] = st.waiting.try_emplace(r.topic);
  if (added) {
    it->second.decided_by = st.metadata_sent + 1;
    it->second.since = at;
    st.metadata_wanted = true;
  }
  it->second.records.push_back(std::move(r));
}

void pump(producer_actor* self);

void request_metadata(producer_actor* self, steady_time at) {
  auto& st = self->state;
  if (st.metadata_in_flight || at < st.next_metadata_at)
    return;
  auto node = st.metadata->pick_node();
  if (!node)
    return;
  auto number = ++st.metadata_sent;
  st.metadata_in_flight = true;
  st.metadata_wanted = false;
  st.next_metadata_at = at + st.cfg.retry_backoff;
  self->request(node, st.cfg.request_timeout, metadata_request{})
    .then(
      [self, number](metadata_reply& reply) {
        auto& st = self->state;
        st.metadata_in_flight = false;
        st.metadata->update(reply);
        auto t = now();
        for (auto it = st.waiting.begin(); it != st.waiting.end();) {
          auto* topic = st.metadata->topic(it->first);
          if (!topic && number < it->second.decided_by) {
            ++it;
            continue;
          }
          for (auto& r : it->second.records) {
            if (topic)
              place(self, r, *topic, t);
            else
              fail_record(self, r, "unknown topic '" + it->first + "'");
          }
          it = st.waiting.erase(it);
        }
        // A topic deleted under queued batches.
        for (auto& [k, q] : st.partitions)
          if (!q.empty() && !st.metadata->topic(k.first))
            for (auto& f : q.fail_all("unknown topic '" + k.first + "' (deleted?)"))
              report_batch(self, k, f);
        pump(self);
      },
      [self](caf::error& e) {
        auto& st = self->state;
        st.metadata_in_flight = false;
        st.metadata_wanted = true;
        st.metadata->node_failed();
        RIVULET_LOG(log_level::debug, "producer", "metadata request failed: " << caf::to_string(e));
        pump(self);
      });
}

/// Retriable unless the leader refused the batch itself or fenced us.
bool fatal(const std::string& error) {
  return error.find("invalid_batch") != std::string::npos
         || error.find("invalid_producer_epoch") != std::string::npos
         || error.find("has no partition") != std::string::npos;
}

void on_reply(producer_actor* self, const partition_key& k, std::uint64_t id, produce_reply& r) {
  auto& st = self->state;
  auto it = st.partitions.find(k);
  if (it == st.partitions.end())
    return;
  auto& q = it->second;
  if (r.ok) {
    q.on_ok(id, r.base_offset);
  } else if (fatal(r.error)) {
    q.on_fatal(id, r.error);
  } else {
    RIVULET_LOG(log_level::debug, "producer", tp_name(k) << ": retrying: " << r.error);
    // A refusal leaves nothing behind, except a storage failure mid-write.
    bool written_maybe = r.error.find("storage") != std::string::npos;
    q.on_retriable(id, r.error, written_maybe, now() + st.cfg.retry_backoff);
    if (r.leader != 0)
      st.metadata->set_leader(k.first, k.second, r.leader);
    if (r.leader == 0 || !st.metadata->leader(k.first, k.second))
      st.metadata_wanted = true;
  }
  pump(self);
}

void send_ready(producer_actor* self, const partition_key& k, partition_queue& q, steady_time at) {
  auto& st = self->state;
  if (!q.wants_to_send())
    return;
  auto leader = st.metadata->leader(k.first, k.second);
  if (!leader) {
    st.metadata_wanted = true;
    return;
  }
  // A new leader gets batches only once the old one answered them all:
  // otherwise a later batch could reach the new leader before an earlier
  // one is retried there, and the earlier one could never follow it.
  auto& destination = st.destinations[k];
  if (q.in_flight() > 0 && destination && destination != leader)
    return;
  destination = leader;
  for (auto& item : q.take_sendable(at, st.request_ids)) {
    topic_produce req{k.first, k.second, produce_request{*item.bytes, st.cfg.acks}};
    auto id = item.request_id;
    self->request(leader, st.cfg.request_timeout, std::move(req))
      .then([self, k, id](produce_reply& r) { on_reply(self, k, id, r); },
            [self, k, id](caf::error& e) {
              auto& st = self->state;
              auto it = st.partitions.find(k);
              if (it == st.partitions.end())
                return;
              // A timeout or a dead node: the batch may be in the log.
              RIVULET_LOG(log_level::debug, "producer", tp_name(k) << ": retrying: " << caf::to_string(e));
              it->second.on_retriable(id, caf::to_string(e), true, now() + st.cfg.retry_backoff);
              st.metadata_wanted = true;
              pump(self);
            });
  }
}

void arm_timer(producer_actor* self, steady_time at, steady_time due) {
  auto& st = self->state;
  if (st.timer_at && *st.timer_at <= due)
    return;
  st.timer_at = due;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(due - at), tick_atom_v);
}

void pump(producer_actor* self) {
  auto& st = self->state;
  auto t = now();
  std::optional<steady_time> due;
  auto consider = [&](std::optional<steady_time> d) {
    if (d && (!due || *d < *due))
      due = d;
  };
  for (auto& [k, q] : st.partitions) {
    if (q.seal_due(t, st.flushing) && st.keyless.count(k.first))
      st.keyless.at(k.first).on_batch_done();
    for (auto& f : q.take_finished(t))
      report_batch(self, k, f);
    send_ready(self, k, q, t);
    consider(q.next_due(t));
  }
  for (auto it = st.waiting.begin(); it != st.waiting.end();) {
    if (t < it->second.since + st.cfg.delivery_timeout) {
      consider(it->second.since + st.cfg.delivery_timeout);
      ++it;
      continue;
    }
    for (auto& r : it->second.records)
      fail_record(self, r, "no metadata for topic '" + it->first + "' within the delivery timeout");
    it = st.waiting.erase(it);
  }
  if (st.metadata_wanted || !st.waiting.empty()) {
    request_metadata(self, t);
    if (!st.metadata_in_flight)
      consider(st.next_metadata_at);
  }
  if (due)
    arm_timer(self, t, *due);
}

/// Takes the records the API threads handed over.
void drain(producer_actor* self) {
  auto& st = self->state;
  std::deque<outgoing_record> incoming;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    incoming.swap(st.shared->incoming);
    st.shared->wakeup_sent = false;
    st.flushing = st.shared->flushing > 0;
  }
  auto t = now();
  for (auto& r : incoming)
    route(self, r, t);
}

void fail_everything(producer_actor* self, const std::string& error) {
  auto& st = self->state;
  for (auto& [k, q] : st.partitions)
    for (auto& f : q.fail_all(error))
      report_batch(self, k, f);
  for (auto& [topic, w] : st.waiting)
    for (auto& r : w.records)
      fail_record(self, r, error);
  st.waiting.clear();
  std::deque<outgoing_record> incoming;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    incoming.swap(st.shared->incoming);
  }
  for (auto& r : incoming)
    fail_record(self, r, error);
}

caf::behavior producer_behavior(producer_actor* self, producer_config cfg, std::int64_t producer_id,
                                std::int16_t epoch, std::shared_ptr<producer_shared> shared) {
  auto& st = self->state;
  st.batching.batch_bytes = cfg.batch_bytes;
  st.batching.linger = cfg.linger;
  st.batching.delivery_timeout = cfg.delivery_timeout;
  st.batching.max_in_flight = cfg.max_in_flight;
  st.batching.producer_id = producer_id;
  st.batching.epoch = epoch;
  st.batching.transactional = !cfg.transactional_id.empty();
  st.batching.compression = cfg.compression;
  st.metadata.emplace(cfg.bootstrap);
  st.cfg = std::move(cfg);
  st.shared = shared;
  self->attach_functor([shared](const caf::error&) {
    std::lock_guard<std::mutex> guard{shared->mutex};
    shared->stopped = true;
    shared->changed.notify_all();
  });
  self->set_exit_handler([self](caf::exit_msg& m) {
    fail_everything(self, "producer closed");
    self->quit(m.reason);
  });
  // Learn the cluster before the first record arrives.
  st.metadata_wanted = true;
  pump(self);
  return {
    [self](wakeup_atom) {
      drain(self);
      pump(self);
    },
    [self](tick_atom) {
      auto& st = self->state;
      if (st.timer_at && now() >= *st.timer_at)
        st.timer_at.reset();
      drain(self);
      pump(self);
    },
  };
}

} // namespace

caf::actor spawn_producer_actor(caf::actor_system& sys, producer_config cfg, std::int64_t producer_id,
                                std::int16_t epoch, std::shared_ptr<producer_shared> shared) {
  return sys.spawn(producer_behavior, std::move(cfg), producer_id, epoch, std::move(shared));
}

} // namespace rivulet::actors::detail
