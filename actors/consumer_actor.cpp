// The consumer's actor, fetch side: keeps metadata, resolves unknown
// positions (committed offset, log start, high watermark), fetches ahead
// from each assigned partition's leader with long polls, and runs the
// commit and committed-offset jobs of the API threads. Group membership is
// in consumer_group.cpp.

#include <limits>
#include <utility>

#include <caf/all.hpp>

#include "actors/consumer_actor.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors::detail {

namespace {

bool contains(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

start_from reset_kind(const consumer_config& cfg) {
  return cfg.auto_offset_reset == consumer_config::offset_reset::earliest ? start_from::earliest
                                                                          : start_from::latest;
}

std::chrono::milliseconds fetch_timeout(const consumer_config& cfg) {
  return cfg.request_timeout + cfg.fetch_max_wait;
}

/// Runs `fn(slot)` on `tp`'s slot under the lock if it is still assigned in
/// `epoch`, then notifies pollers and pumps.
template <class Fn>
void with_slot(consumer_actor* self, const topic_partition& tp, std::uint64_t epoch, Fn fn) {
  auto& shared = *self->state.shared;
  {
    std::lock_guard<std::mutex> guard{shared.mutex};
    auto it = shared.slots.find(tp);
    if (it != shared.slots.end() && it->second.epoch == epoch) {
      it->second.busy = false;
      fn(it->second);
    }
    shared.changed.notify_all();
  }
  pump(self);
}

void retry_later(consumer_actor* self, partition_slot& s) {
  s.retry_at = steady_now() + self->state.cfg.retry_backoff;
  self->state.metadata_wanted = true;
  wake_at(self, s.retry_at);
}

/// Records a read of `tp` sent to `leader` and watches the leader's node.
std::uint64_t start_read(consumer_actor* self, const caf::actor& leader, const topic_partition& tp,
                         std::uint64_t epoch) {
  auto& st = self->state;
  auto id = ++st.last_read_id;
  st.reads[tp] = pending_read{leader.address(), epoch, id};
  if (st.watched_nodes.insert(leader.address()).second)
    self->monitor(leader);
  return id;
}

/// Whether the answer to read `id` of `tp` still counts (false once its
/// node went down and the partition moved on); forgets the read.
bool end_read(consumer_actor* self, const topic_partition& tp, std::uint64_t id) {
  auto& reads = self->state.reads;
  auto it = reads.find(tp);
  if (it == reads.end() || it->second.id != id)
    return false;
  reads.erase(it);
  return true;
}

/// A watched node went down: the reads waiting at it are given up at once
/// and retried after the backoff, at the leader new metadata names.
void node_down(consumer_actor* self, const caf::actor_addr& node) {
  auto& st = self->state;
  if (st.watched_nodes.erase(node) == 0)
    return;
  std::lock_guard<std::mutex> guard{st.shared->mutex};
  for (auto it = st.reads.begin(); it != st.reads.end();) {
    if (it->second.node != node) {
      ++it;
      continue;
    }
    auto slot = st.shared->slots.find(it->first);
    if (slot != st.shared->slots.end() && slot->second.epoch == it->second.epoch) {
      RIVULET_LOG(log_level::debug, "consumer", group::to_string(it->first) << ": the leader's node went down");
      slot->second.busy = false;
      retry_later(self, slot->second);
    }
    it = st.reads.erase(it);
  }
}

void fetch(consumer_actor* self, const caf::actor& leader, const topic_partition& tp, std::int64_t offset,
           std::uint64_t epoch) {
  auto& cfg = self->state.cfg;
  fetch_request req{offset, cfg.fetch_max_bytes, static_cast<std::int32_t>(cfg.fetch_max_wait.count())};
  req.read_committed = cfg.isolation_level == consumer_config::isolation::read_committed;
  auto sent = steady_now();
  auto id = start_read(self, leader, tp, epoch);
  self->request(leader, fetch_timeout(cfg), topic_fetch{tp.topic, tp.partition, req})
    .then(
      [self, tp, offset, epoch, sent, id](fetch_reply& r) {
        if (!end_read(self, tp, id))
          return;
        std::vector<io::kafka::read_record> records;
        io::status decoded;
        std::int64_t next = offset;
        if (r.ok && !r.batches.empty()) {
          if (self->state.cfg.isolation_level == consumer_config::isolation::read_committed) {
            std::vector<io::kafka::aborted_transaction> aborted;
            for (std::size_t i = 0; i + 1 < r.aborted.size(); i += 2)
              aborted.push_back({r.aborted[i], r.aborted[i + 1]});
            decoded = io::kafka::decode_committed_batches(r.batches, offset, std::move(aborted), records);
          } else {
            decoded = io::kafka::decode_batches(r.batches, offset, records);
          }
          next = io::kafka::next_offset(r.batches, offset);
          if (!decoded.ok()) {
            // Keep what decoded; continue after it, or retry from here.
            next = records.empty() ? offset : records.back().offset + 1;
            RIVULET_LOG(log_level::warn, "consumer", group::to_string(tp) << " at offset " << offset << ": "
                                                                          << decoded.to_string());
          }
        }
        with_slot(self, tp, epoch, [&](partition_slot& s) {
          auto& cfg = self->state.cfg;
          if (!r.ok) {
            if (contains(r.error, "offset_out_of_range")) {
              auto to = cfg.auto_offset_reset == consumer_config::offset_reset::earliest ? r.log_start
                                                                                          : r.high_watermark;
              RIVULET_LOG(log_level::info, "consumer", group::to_string(tp) << ": offset " << offset
                                                                            << " out of range, resetting to " << to);
              s.buffered.clear();
              s.buffered_bytes = 0;
              s.position = s.fetch_offset = to;
              return;
            }
            RIVULET_LOG(log_level::debug, "consumer", group::to_string(tp) << ": fetch failed: " << r.error);
            return retry_later(self, s);
          }
          for (auto& rec : records) {
            s.buffered_bytes += (rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0);
            s.buffered.push_back(consumer_record{tp.topic, tp.partition, rec.offset, rec.timestamp_ms,
                                                 std::move(rec.key), std::move(rec.value)});
          }
          s.fetch_offset = next;
          skip_to_fetch_offset(s);
          // An empty answer long before the long poll's end: not the leader
          // (a follower does not wait), or a broken batch. Do not spin.
          if ((records.empty() && steady_now() - sent < cfg.fetch_max_wait / 2) || !decoded.ok())
            retry_later(self, s);
        });
      },
      [self, tp, epoch, id](caf::error& e) {
        if (!end_read(self, tp, id))
          return;
        RIVULET_LOG(log_level::debug, "consumer", group::to_string(tp) << ": fetch failed: " << caf::to_string(e));
        with_slot(self, tp, epoch, [&](partition_slot& s) { retry_later(self, s); });
      });
}

/// Learns the log start or high watermark of `tp` from its leader.
void probe(consumer_actor* self, const caf::actor& leader, const topic_partition& tp, std::uint64_t epoch,
           start_from from) {
  // An offset past any high watermark returns no data, at once, with the
  // replica's log start and high watermark.
  fetch_request req{std::numeric_limits<std::int64_t>::max(), 1, 0};
  auto id = start_read(self, leader, tp, epoch);
  self->request(leader, self->state.cfg.request_timeout, topic_fetch{tp.topic, tp.partition, req})
    .then(
      [self, tp, epoch, from, id](fetch_reply& r) {
        if (!end_read(self, tp, id))
          return;
        with_slot(self, tp, epoch, [&](partition_slot& s) {
          if (!r.ok || s.from != from)
            return retry_later(self, s);
          auto latest = self->state.cfg.isolation_level == consumer_config::isolation::read_committed
                          ? r.last_stable_offset
                          : r.high_watermark;
          s.position = s.fetch_offset = from == start_from::earliest ? r.log_start : latest;
          s.from = start_from::known;
        });
      },
      [self, tp, epoch, id](caf::error&) {
        if (end_read(self, tp, id))
          with_slot(self, tp, epoch, [&](partition_slot& s) { retry_later(self, s); });
      });
}

/// Looks up the committed offsets of `tps` (slots in `epochs`).
void lookup_committed(consumer_actor* self, std::vector<std::pair<topic_partition, std::uint64_t>> tps) {
  auto& st = self->state;
  offset_fetch_request req;
  req.group_id = st.cfg.group_id;
  req.has_partitions = true;
  for (auto& [tp, epoch] : tps)
    req.partitions.push_back({tp.topic, tp.partition});
  st.offsets_lookup = true;
  auto done = [self, tps](const offset_fetch_reply* r) {
    auto& st = self->state;
    st.offsets_lookup = false;
    if (!r || r->error_code != 0)
      forget_coordinator(self);
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    for (auto& [tp, epoch] : tps) {
      auto it = st.shared->slots.find(tp);
      if (it == st.shared->slots.end() || it->second.epoch != epoch)
        continue;
      auto& s = it->second;
      s.busy = false;
      if (!r || r->error_code != 0) {
        s.retry_at = steady_now() + st.cfg.retry_backoff;
        continue;
      }
      for (auto& p : r->partitions)
        if (p.topic == tp.topic && p.partition == tp.partition) {
          if (p.error_code == 0 && p.offset >= 0) {
            s.position = s.fetch_offset = p.offset;
            s.from = start_from::known;
          } else {
            s.from = reset_kind(st.cfg);
          }
        }
    }
    st.shared->changed.notify_all();
  };
  self->request(st.coordinator, st.cfg.request_timeout, std::move(req))
    .then(
      [self, done](offset_fetch_reply& r) {
        done(&r);
        pump(self);
      },
      [self, done](caf::error&) {
        done(nullptr);
        pump(self);
      });
}

/// Starts fetches, probes and committed-offset lookups that are due.
void drive_partitions(consumer_actor* self) {
  auto& st = self->state;
  auto now = steady_now();
  struct work {
    topic_partition tp;
    std::uint64_t epoch;
    start_from from;
    std::int64_t offset;
    caf::actor leader;
  };
  std::vector<work> todo;
  std::vector<std::pair<topic_partition, std::uint64_t>> committed;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    for (auto& [tp, s] : st.shared->slots) {
      if (s.busy)
        continue;
      if (now < s.retry_at) {
        wake_at(self, s.retry_at);
        continue;
      }
      if (s.from == start_from::committed && st.cfg.group_id.empty())
        s.from = reset_kind(st.cfg);
      if (s.from == start_from::committed) {
        if (st.coordinator && !st.offsets_lookup) {
          s.busy = true;
          committed.emplace_back(tp, s.epoch);
        } else {
          find_coordinator(self);
        }
        continue;
      }
      if (s.from == start_from::known && s.buffered_bytes >= static_cast<std::size_t>(st.cfg.fetch_max_bytes))
        continue;  // read ahead enough
      auto leader = st.metadata->leader(tp.topic, tp.partition);
      if (!leader) {
        st.metadata_wanted = true;
        continue;
      }
      s.busy = true;
      todo.push_back({tp, s.epoch, s.from, s.fetch_offset, leader});
    }
  }
  if (!committed.empty())
    lookup_committed(self, std::move(committed));
  for (auto& w : todo) {
    if (w.from == start_from::known)
      fetch(self, w.leader, w.tp, w.offset, w.epoch);
    else
      probe(self, w.leader, w.tp, w.epoch, w.from);
  }
}

/// Answers what the API threads may still wait for; runs when the actor ends.
void answer_all(consumer_shared& shared) {
  std::lock_guard<std::mutex> guard{shared.mutex};
  shared.stopped = true;
  for (auto& job : shared.commits)
    job.done.set_value("consumer stopped");
  shared.commits.clear();
  for (auto& job : shared.lookups)
    job.done.set_value(std::nullopt);
  shared.lookups.clear();
  shared.changed.notify_all();
}

caf::behavior consumer_behavior(consumer_actor* self, consumer_config cfg, std::shared_ptr<consumer_shared> shared) {
  auto& st = self->state;
  st.metadata.emplace(cfg.bootstrap);
  st.cfg = std::move(cfg);
  st.shared = shared;
  self->attach_functor([shared](const caf::error&) { answer_all(*shared); });
  self->set_exit_handler([self](caf::exit_msg& m) {
    // A monitor stays with the observed actor until that one ends: drop
    // them, so that long-lived nodes keep none for consumers long gone.
    for (auto& node : self->state.watched_nodes)
      self->demonitor(node);
    self->state.watched_nodes.clear();
    leave_and_quit(self, std::move(m.reason));
  });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    node_down(self, m.source);
    if (st.coordinator && m.source == st.coordinator.address()) {
      forget_coordinator(self);
      coordinator_lost(self);
    }
    pump(self);
  });
  st.metadata_wanted = true;
  pump(self);
  return {
    [self](wakeup_atom) { pump(self); },
    [self](tick_atom) {
      auto& st = self->state;
      if (st.timer_at && steady_now() >= *st.timer_at)
        st.timer_at.reset();
      pump(self);
    },
    [self](tick_atom, std::uint64_t epoch) { heartbeat(self, epoch); },
  };
}

} // namespace

steady_time steady_now() {
  return std::chrono::steady_clock::now();
}

void wake_at(consumer_actor* self, steady_time due) {
  auto& st = self->state;
  auto now = steady_now();
  if (due <= now)
    due = now + std::chrono::milliseconds(1);
  if (st.timer_at && *st.timer_at <= due)
    return;
  st.timer_at = due;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(due - now), tick_atom_v);
}

void refresh_metadata(consumer_actor* self) {
  auto& st = self->state;
  if (!st.metadata_wanted || st.metadata_in_flight)
    return;
  auto now = steady_now();
  if (now < st.next_metadata_at) {
    wake_at(self, st.next_metadata_at);
    return;
  }
  auto node = st.metadata->pick_node();
  if (!node)
    return;
  st.metadata_in_flight = true;
  st.metadata_wanted = false;
  st.next_metadata_at = now + st.cfg.retry_backoff;
  self->request(node, st.cfg.request_timeout, metadata_request{})
    .then(
      [self](metadata_reply& r) {
        self->state.metadata_in_flight = false;
        self->state.metadata->update(r);
        pump(self);
      },
      [self](caf::error&) {
        auto& st = self->state;
        st.metadata_in_flight = false;
        st.metadata_wanted = true;
        st.metadata->node_failed();
        pump(self);
      });
}

bool coordinator_moved(std::int16_t code) {
  return code == group::wire_value(group::error_code::coordinator_load_in_progress)
         || code == group::wire_value(group::error_code::coordinator_not_available)
         || code == group::wire_value(group::error_code::not_coordinator);
}

void forget_coordinator(consumer_actor* self) {
  auto& st = self->state;
  st.coordinator = nullptr;
  st.next_coordinator_at = std::max(st.next_coordinator_at, steady_now() + st.cfg.retry_backoff);
}

void find_coordinator(consumer_actor* self) {
  auto& st = self->state;
  if (st.coordinator || st.coordinator_lookup || st.cfg.group_id.empty())
    return;
  auto now = steady_now();
  if (now < st.next_coordinator_at) {
    wake_at(self, st.next_coordinator_at);
    return;
  }
  auto node = st.metadata->pick_node();
  if (!node)
    return;
  st.coordinator_lookup = true;
  st.next_coordinator_at = now + st.cfg.retry_backoff;
  self->request(node, st.cfg.request_timeout, find_coordinator_request{st.cfg.group_id, 0})
    .then(
      [self](find_coordinator_reply& r) {
        auto& st = self->state;
        st.coordinator_lookup = false;
        if (r.ok && r.coordinator) {
          st.coordinator = r.coordinator;
          self->monitor(st.coordinator);  // a parked join would wait for its timeout
        } else
          RIVULET_LOG(log_level::debug, "consumer", "group '" << st.cfg.group_id << "': no coordinator yet: " << r.error);
        pump(self);
      },
      [self](caf::error&) {
        auto& st = self->state;
        st.coordinator_lookup = false;
        st.metadata->node_failed();
        pump(self);
      });
}

void pump(consumer_actor* self) {
  auto& st = self->state;
  if (st.leaving)
    return;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    st.shared->wakeup_sent = false;
  }
  sync_membership(self);
  drive_partitions(self);
  run_jobs(self);
  refresh_metadata(self);
}

caf::actor spawn_consumer_actor(caf::actor_system& sys, consumer_config cfg, std::shared_ptr<consumer_shared> shared) {
  return sys.spawn(consumer_behavior, std::move(cfg), std::move(shared));
}

} // namespace rivulet::actors::detail
