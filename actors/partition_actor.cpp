#include "actors/partition_actor.hpp"

#include <map>
#include <optional>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace {

/// A produce waiting for its entry to be persisted (acks=1) or committed (all).
struct pending_produce {
  raft::log_index index;
  raft::term_id term;
  bool needs_commit = true;
  caf::response_promise promise;
};

/// A fetch waiting for data (long poll).
struct parked_fetch {
  fetch_request req;
  caf::actor_clock::time_point deadline;
  caf::response_promise promise;
};

struct partition_state {
  static inline const char* name = "rivulet.partition";
  partition_actor_config cfg;
  std::optional<state::partition_replica> replica;
  std::map<std::int64_t, caf::actor> peers;
  std::vector<pending_produce> pending;
  std::vector<parked_fetch> parked;
  std::string where;  // "partition group G replica N", for logs and errors
};

using partition_t = caf::stateful_actor<partition_state>;

produce_reply failed(std::string error, std::int64_t leader = 0) {
  produce_reply r;
  r.error = std::move(error);
  r.leader = leader;
  return r;
}

/// Runs the replica's ready loop: sends what it must, answers produces whose
/// entries became durable or committed. Stops the actor on storage errors.
fetch_reply do_fetch(partition_t* self, const fetch_request& req) {
  auto& rep = *self->state.replica;
  fetch_reply r;
  r.high_watermark = rep.high_watermark();
  r.log_start = rep.log_start_offset();
  r.last_stable_offset = rep.last_stable_offset();
  if (req.lookup_timestamp) {
    auto found = rep.offset_for_timestamp(req.timestamp);
    if (!found) {
      r.error = self->state.where + ": offset for timestamp " + std::to_string(req.timestamp) + ": "
                + found.error().to_string();
      return r;
    }
    r.ok = true;
    if (*found) {
      r.found_offset = (*found)->first;
      r.found_timestamp = (*found)->second;
    }
    return r;
  }
  auto got = rep.fetch(req.offset, static_cast<std::size_t>(std::max(req.max_bytes, 1)), req.read_committed);
  if (!got) {
    r.error = self->state.where + ": fetch at offset " + std::to_string(req.offset) + ": "
              + got.error().to_string();
    return r;
  }
  r.ok = true;
  r.batches = std::move(*got);
  if (req.read_committed && !r.batches.empty()) {
    // Clients drop the aborted transactions' records with this list.
    auto last = r.last_stable_offset - 1;
    for (const auto& a : rep.transactions().aborted_between(req.offset, last)) {
      r.aborted.push_back(a.producer_id);
      r.aborted.push_back(a.first_offset);
    }
  }
  return r;
}

/// Answers parked fetches that now have data, or whose time is up
/// (`expire`), or all of them (`all`, when the replica stops).
void answer_parked(partition_t* self, bool expire) {
  auto& st = self->state;
  if (st.parked.empty())
    return;
  auto now = self->clock().now();
  auto hw = st.replica->high_watermark();
  auto lso = st.replica->last_stable_offset();
  std::vector<parked_fetch> still;
  for (auto& p : st.parked) {
    if (p.req.offset < (p.req.read_committed ? lso : hw) || (expire && now >= p.deadline) || !st.replica->is_leader())
      p.promise.deliver(do_fetch(self, p.req));
    else
      still.push_back(std::move(p));
  }
  st.parked = std::move(still);
}

void pump(partition_t* self) {
  auto& st = self->state;
  auto& rep = *st.replica;
  auto msgs = rep.pump();
  if (st.cfg.router) {
    if (!msgs.empty())
      self->send(st.cfg.router, outbound_raft{st.cfg.replica.group.value, std::move(msgs)});
  } else {
    for (auto& m : msgs) {
      auto it = st.peers.find(m.to.value);
      if (it != st.peers.end())
        self->send(it->second, raft_envelope{st.cfg.replica.group.value, std::move(m)});
    }
  }
  if (!rep.health().ok()) {
    RIVULET_LOG(log_level::error, "partition", st.where << ": storage failed, stopping: " << rep.health().to_string());
    for (auto& p : st.pending)
      p.promise.deliver(failed(st.where + ": storage failed: " + rep.health().to_string()));
    st.pending.clear();
    self->quit(caf::make_error(caf::sec::runtime_error, st.where + ": " + rep.health().to_string()));
    return;
  }
  rep.take_committed();  // acks are matched by position below
  auto& storage = rep.storage();
  auto leader = rep.leader() ? rep.leader()->value : 0;
  std::vector<pending_produce> still;
  for (auto& p : st.pending) {
    // Persisted right after produce(); missing or another term later means
    // a new leader truncated it: the client retries there.
    auto pos = storage.position(p.index);
    if (!pos || pos->term != p.term) {
      p.promise.deliver(failed(st.where + ": entry at raft index " + std::to_string(p.index.value)
                                 + " lost to a leader change; retry",
                               leader));
      continue;
    }
    // acks=all: once consumers can read it (below the high watermark).
    if (p.needs_commit && rep.high_watermark() <= pos->last_offset) {
      still.push_back(std::move(p));
      continue;
    }
    produce_reply r;
    r.ok = true;
    r.base_offset = pos->base_offset;
    r.last_offset = pos->last_offset;
    p.promise.deliver(r);
  }
  st.pending = std::move(still);
  answer_parked(self, false);
}

caf::behavior partition(partition_t* self, partition_actor_config cfg) {
  auto& st = self->state;
  st.where = "partition group " + std::to_string(cfg.replica.group.value) + " replica "
             + std::to_string(cfg.replica.id.value);
  st.cfg = cfg;
  auto opened = state::partition_replica::open(cfg.dir, cfg.replica);
  if (!opened) {
    RIVULET_LOG(log_level::error, "partition", st.where << ": cannot open " << cfg.dir << ": "
                                                       << opened.error().to_string());
    self->quit(caf::make_error(caf::sec::runtime_error, st.where + ": " + opened.error().to_string()));
    return {};
  }
  st.replica.emplace(std::move(*opened));
  if (cfg.router) {
    // A replica lives and dies with its node: when the node stops (even
    // killed), the replica stops too and releases its files.
    self->monitor(cfg.router);
    self->set_down_handler([self](caf::down_msg& m) {
      if (m.source == self->state.cfg.router.address())
        self->quit(m.reason);
    });
  } else {
    self->send(self, tick_atom_v);
  }
  return {
    [self](const peers_msg& m) {
      auto& st = self->state;
      st.peers.clear();
      for (std::size_t i = 0; i < m.ids.size() && i < m.replicas.size(); ++i)
        if (m.ids[i] != st.cfg.replica.id.value)
          st.peers.emplace(m.ids[i], m.replicas[i]);
    },
    [self](tick_atom) {
      auto& st = self->state;
      st.replica->tick();
      pump(self);
      answer_parked(self, true);
      if (!st.cfg.router)
        self->delayed_send(self, st.cfg.tick_interval, tick_atom_v);
    },
    [self](raft_envelope& e) {
      self->state.replica->step(e.msg);
      pump(self);
    },
    [self](produce_request& req) -> caf::result<produce_reply> {
      auto& st = self->state;
      auto& rep = *st.replica;
      auto res = rep.produce(std::move(req.batch), req.marker);
      if (!res)
        return failed(st.where + ": " + res.error().to_string(), rep.leader() ? rep.leader()->value : 0);
      if (req.acks == 0) {
        pump(self);
        produce_reply r;
        r.ok = true;
        return r;
      }
      auto promise = self->make_response_promise<produce_reply>();
      st.pending.push_back({res->index, res->term, req.acks != 1, promise});
      pump(self);
      return promise;
    },
    [self](const fetch_request& req) -> caf::result<fetch_reply> {
      auto r = do_fetch(self, req);
      if (!r.ok || !r.batches.empty() || req.max_wait_ms <= 0 || !self->state.replica->is_leader())
        return r;
      auto promise = self->make_response_promise<fetch_reply>();
      auto deadline = self->clock().now() + std::chrono::milliseconds(req.max_wait_ms);
      self->state.parked.push_back({req, deadline, promise});
      // A timer per parked fetch only without a router: with one, the
      // router's ticks expire them.
      if (!self->state.cfg.router)
        self->delayed_send(self, std::chrono::milliseconds(req.max_wait_ms), wakeup_atom_v);
      return promise;
    },
    [self](wakeup_atom) { answer_parked(self, true); },
    // Graceful stop of the node: a leader hands its leadership to the most
    // caught-up follower, so the partition does not wait out an election.
    [self](shutdown_atom) -> bool {
      auto& st = self->state;
      auto& rep = *st.replica;
      if (!rep.is_leader())
        return false;
      std::optional<raft::node_id> best;
      raft::log_index best_match{};
      for (auto& voter : st.cfg.replica.voters) {
        if (voter == rep.id())
          continue;
        auto* pr = rep.node().progress_of(voter);
        if (pr && (!best || pr->match() > best_match)) {
          best = voter;
          best_match = pr->match();
        }
      }
      if (!best || !rep.transfer_leadership(*best))
        return false;
      RIVULET_LOG(log_level::info, "partition", st.where << ": handing leadership to replica " << best->value
                                                         << " before stopping");
      pump(self);
      return true;
    },
    [self](report_atom) -> replica_view {
      auto& st = self->state;
      auto& rep = *st.replica;
      replica_view v;
      v.group = st.cfg.replica.group.value;
      v.node = st.cfg.node;
      v.leader = rep.leader() ? rep.leader()->value : 0;
      v.term = rep.term().value;
      v.high_watermark = rep.high_watermark();
      v.log_start = rep.log_start_offset();
      v.log_end = rep.log_end_offset();
      if (rep.is_leader()) {
        auto& node = rep.node();
        v.ready = node.log().term_at(node.commit_index()) == node.term();
        v.in_sync.push_back(rep.id().value);
        auto commit = rep.node().commit_index();
        for (auto& voter : st.cfg.replica.voters) {
          if (voter == rep.id())
            continue;
          auto* pr = rep.node().progress_of(voter);
          if (pr && pr->match() >= commit)
            v.in_sync.push_back(voter.value);
        }
      }
      return v;
    },
    [self](status_atom) -> replica_status {
      auto& rep = *self->state.replica;
      return {rep.id().value, rep.leader() ? rep.leader()->value : 0, rep.term().value, rep.high_watermark()};
    },
  };
}

} // namespace

caf::actor spawn_partition_actor(caf::actor_system& sys, partition_actor_config cfg) {
  return sys.spawn(partition, std::move(cfg));
}

} // namespace rivulet::actors
