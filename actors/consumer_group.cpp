// The consumer's group membership (subscribe mode), Kafka's classic
// protocol: find the coordinator, JoinGroup (rejoining with the member id
// the coordinator hands out), the leader computes the assignment with
// runtime/group's assignors from fresh metadata, SyncGroup, then heartbeats
// on a timer; REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or
// UNKNOWN_MEMBER_ID start a new join. Range and round-robin are eager (all
// partitions are revoked before a join); cooperative-sticky keeps the
// partitions it still owns and rejoins once after giving some up.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/consumer_actor.hpp"
#include "actors/type_ids.hpp"
#include "runtime/group/assignors.hpp"
#include "runtime/group/consumer_protocol.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors::detail {

namespace {

using phase = group_membership::phase;

bool cooperative(const consumer_config& cfg) {
  return cfg.assignment_strategy == consumer_config::assignor::cooperative_sticky;
}

const char* protocol_name(const consumer_config& cfg) {
  switch (cfg.assignment_strategy) {
    case consumer_config::assignor::range: return "range";
    case consumer_config::assignor::round_robin: return "roundrobin";
    case consumer_config::assignor::cooperative_sticky: return "cooperative-sticky";
  }
  return "range";
}

std::string as_string(const group::bytes& b) {
  return std::string(b.begin(), b.end());
}

group::bytes as_bytes(const std::string& s) {
  return group::bytes(s.begin(), s.end());
}

/// Makes `partitions` the assignment: drops revoked slots (and their
/// buffered records), adds new ones (from their committed offsets).
/// Returns whether some partition was revoked.
bool take_assignment(consumer_actor* self, std::vector<topic_partition> partitions) {
  auto& st = self->state;
  std::sort(partitions.begin(), partitions.end());
  bool revoked = false;
  std::lock_guard<std::mutex> guard{st.shared->mutex};
  auto& slots = st.shared->slots;
  for (auto it = slots.begin(); it != slots.end();) {
    if (std::binary_search(partitions.begin(), partitions.end(), it->first)) {
      ++it;
      continue;
    }
    revoked = true;
    it = slots.erase(it);
  }
  for (auto& tp : partitions)
    if (!slots.count(tp))
      slots.emplace(tp, new_slot(st.cfg));
  st.group.owned = std::move(partitions);
  st.shared->member_id = st.group.member_id;
  st.shared->generation = st.group.generation;
  st.shared->changed.notify_all();
  return revoked;
}

/// Starts over: the next pump sends a join (after `delay`).
void rejoin(consumer_actor* self, std::chrono::milliseconds delay = {}) {
  auto& g = self->state.group;
  ++g.epoch;
  g.state = phase::none;
  g.retry_at = steady_now() + delay;
  if (delay.count() > 0)
    wake_at(self, g.retry_at);
}

/// Handles an error code of a join, sync or heartbeat answer.
void on_group_error(consumer_actor* self, const char* what, std::int16_t code) {
  auto& st = self->state;
  RIVULET_LOG(log_level::debug, "consumer", "group '" << st.cfg.group_id << "': " << what << ": "
                                                      << group::to_string(static_cast<group::error_code>(code)));
  if (code == group::wire_value(group::error_code::unknown_member_id)) {
    st.group.member_id.clear();
    st.group.generation = -1;
  }
  if (coordinator_moved(code))
    forget_coordinator(self);
  bool immediate = code == group::wire_value(group::error_code::rebalance_in_progress)
                   || code == group::wire_value(group::error_code::illegal_generation)
                   || code == group::wire_value(group::error_code::unknown_member_id);
  rejoin(self, immediate ? std::chrono::milliseconds{0} : st.cfg.retry_backoff);
}

void schedule_heartbeat(consumer_actor* self) {
  auto& st = self->state;
  self->delayed_send(self, st.cfg.heartbeat_interval, tick_atom_v, st.group.epoch);
}

void send_sync(consumer_actor* self, std::vector<member_assignment> assignments) {
  auto& st = self->state;
  auto epoch = st.group.epoch;
  st.group.state = phase::syncing;
  sync_group_request req{st.cfg.group_id, st.group.member_id, st.group.generation, std::move(assignments)};
  self->request(st.coordinator, st.cfg.rebalance_timeout + st.cfg.request_timeout, std::move(req))
    .then(
      [self, epoch](sync_group_reply& r) {
        auto& st = self->state;
        if (epoch != st.group.epoch)
          return;
        if (r.error_code != 0) {
          on_group_error(self, "sync", r.error_code);
          return pump(self);
        }
        auto a = group::decode_assignment(as_bytes(r.assignment));
        if (!a.ok()) {
          RIVULET_LOG(log_level::warn, "consumer", "group '" << st.cfg.group_id << "': bad assignment: " << a.error);
          rejoin(self, st.cfg.retry_backoff);
          return pump(self);
        }
        bool revoked = take_assignment(self, group::flatten(a.value->partitions));
        st.group.state = phase::stable;
        if (revoked && cooperative(st.cfg))
          rejoin(self);  // the revoked partitions go to their new owners in the next round
        else
          schedule_heartbeat(self);
        pump(self);
      },
      [self, epoch](caf::error&) {
        if (epoch != self->state.group.epoch)
          return;
        forget_coordinator(self);
        rejoin(self, self->state.cfg.retry_backoff);
        pump(self);
      });
}

/// The leader's part: assign every member's subscription over the partition
/// counts of fresh metadata, then sync.
void lead(consumer_actor* self, join_group_reply r) {
  auto& st = self->state;
  auto epoch = st.group.epoch;
  auto assign = [self, epoch, r](const client_metadata& md) {
    auto& st = self->state;
    if (epoch != st.group.epoch)
      return;
    std::vector<group::member_subscription> members;
    group::partition_counts counts;
    for (auto& m : r.members) {
      auto sub = group::decode_subscription(as_bytes(m.metadata));
      if (!sub.ok())
        continue;
      members.push_back(group::to_member_subscription(m.member_id, *sub.value));
      for (auto& t : sub.value->topics)
        if (auto* topic = md.topic(t))
          counts[t] = static_cast<std::int32_t>(topic->partitions.size());
    }
    group::assignment a;
    if (r.protocol_name == "roundrobin")
      a = group::assign_round_robin(members, counts);
    else if (r.protocol_name == "cooperative-sticky")
      a = group::assign_cooperative_sticky(members, counts);
    else
      a = group::assign_range(members, counts);
    std::vector<member_assignment> out;
    for (auto& [member, bytes] : group::encode_assignments(a))
      out.push_back({member, as_string(bytes)});
    send_sync(self, std::move(out));
  };
  auto node = st.metadata->pick_node();
  if (!node)
    return assign(*st.metadata);
  self->request(node, st.cfg.request_timeout, metadata_request{})
    .then(
      [self, assign](metadata_reply& reply) {
        self->state.metadata->update(reply);
        assign(*self->state.metadata);
      },
      [self, assign](caf::error&) {
        self->state.metadata->node_failed();
        assign(*self->state.metadata);  // the last metadata is better than none
      });
}

void join(consumer_actor* self) {
  auto& st = self->state;
  auto& g = st.group;
  if (!st.coordinator) {
    find_coordinator(self);
    return;
  }
  if (steady_now() < g.retry_at) {
    wake_at(self, g.retry_at);
    return;
  }
  if (!cooperative(st.cfg))
    take_assignment(self, {});  // eager: give everything up before joining
  g.state = phase::joining;
  auto epoch = ++g.epoch;
  group::consumer_subscription sub;
  sub.topics = g.topics;
  if (cooperative(st.cfg)) {
    sub.version = 2;
    sub.owned_partitions = group::group_by_topic(g.owned);
    sub.generation = g.generation;
  }
  join_group_request req;
  req.group_id = st.cfg.group_id;
  req.member_id = g.member_id;
  req.client_id = st.cfg.client_id;
  req.session_timeout_ms = static_cast<std::int32_t>(st.cfg.session_timeout.count());
  req.rebalance_timeout_ms = static_cast<std::int32_t>(st.cfg.rebalance_timeout.count());
  req.protocol_type = group::consumer_protocol_type;
  req.protocols.push_back({protocol_name(st.cfg), as_string(group::encode_subscription(sub))});
  self->request(st.coordinator, st.cfg.rebalance_timeout + st.cfg.request_timeout, std::move(req))
    .then(
      [self, epoch](join_group_reply& r) {
        auto& st = self->state;
        if (epoch != st.group.epoch)
          return;
        if (r.error_code == group::wire_value(group::error_code::member_id_required)) {
          st.group.member_id = r.member_id;
          rejoin(self);
          return pump(self);
        }
        if (r.error_code != 0) {
          on_group_error(self, "join", r.error_code);
          return pump(self);
        }
        st.group.member_id = r.member_id;
        st.group.generation = r.generation;
        if (r.leader == r.member_id)
          lead(self, std::move(r));
        else
          send_sync(self, {});
      },
      [self, epoch](caf::error&) {
        if (epoch != self->state.group.epoch)
          return;
        forget_coordinator(self);
        rejoin(self, self->state.cfg.retry_backoff);
        pump(self);
      });
}

/// Tells the coordinator this member is gone (no answer awaited).
void leave(consumer_actor* self) {
  auto& st = self->state;
  if (st.coordinator && !st.group.member_id.empty())
    self->send(st.coordinator, leave_group_request{st.cfg.group_id, st.group.member_id});
  auto epoch = st.group.epoch;
  st.group = group_membership{};
  st.group.epoch = epoch + 1;
  std::lock_guard<std::mutex> guard{st.shared->mutex};
  st.shared->member_id.clear();
  st.shared->generation = -1;
}

} // namespace

void sync_membership(consumer_actor* self) {
  auto& st = self->state;
  auto& g = st.group;
  bool subscribed = false;
  std::uint64_t version = 0;
  std::vector<std::string> topics;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    subscribed = st.shared->subscribed;
    version = st.shared->membership_version;
    if (version != g.version)
      topics = st.shared->subscription;
  }
  if (version != g.version) {
    if (!subscribed && (g.state != phase::none || !g.member_id.empty()))
      leave(self);
    g.version = version;
    g.topics = std::move(topics);
    ++g.epoch;
    g.state = phase::none;
    g.retry_at = {};
  }
  if (subscribed && g.state == phase::none)
    join(self);
}

void heartbeat(consumer_actor* self, std::uint64_t epoch) {
  auto& st = self->state;
  if (epoch != st.group.epoch || st.group.state != phase::stable || !st.coordinator)
    return;
  heartbeat_request req{st.cfg.group_id, st.group.member_id, st.group.generation};
  self->request(st.coordinator, st.cfg.request_timeout, std::move(req))
    .then(
      [self, epoch](heartbeat_reply& r) {
        if (epoch != self->state.group.epoch)
          return;
        if (r.error_code == 0)
          return schedule_heartbeat(self);
        on_group_error(self, "heartbeat", r.error_code);
        pump(self);
      },
      [self, epoch](caf::error&) {
        if (epoch != self->state.group.epoch)
          return;
        forget_coordinator(self);
        rejoin(self, self->state.cfg.retry_backoff);
        pump(self);
      });
}

void coordinator_lost(consumer_actor* self) {
  if (self->state.group.state != phase::none)
    rejoin(self, self->state.cfg.retry_backoff);
}

void leave_and_quit(consumer_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.leaving || !st.coordinator || st.group.member_id.empty()) {
    self->quit(std::move(reason));
    return;
  }
  st.leaving = true;
  leave_group_request req{st.cfg.group_id, st.group.member_id};
  self->request(st.coordinator, st.cfg.request_timeout, std::move(req))
    .then([self, reason](leave_group_reply&) { self->quit(reason); },
          [self, reason](caf::error&) { self->quit(reason); });
}

} // namespace rivulet::actors::detail
