#include "actors/group_coordinator_actor.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <variant>

#include <caf/all.hpp>

#include "actors/coordinator_records.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/record_batch_builder.hpp"
#include "runtime/group/txn_coordinator.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace {

using group::error_code;
using group::wire_value;

// -- conversions between messages and runtime/group ---------------------------

group::bytes to_bytes(const std::string& s) {
  return group::bytes(s.begin(), s.end());
}

std::string to_string_bytes(const group::bytes& b) {
  return std::string(b.begin(), b.end());
}

group::join_request to_join_request(const join_group_request& m) {
  group::join_request r;
  r.member_id = m.member_id;
  if (m.has_group_instance_id)
    r.group_instance_id = m.group_instance_id;
  r.client_id = m.client_id;
  r.session_timeout_ms = m.session_timeout_ms;
  r.rebalance_timeout_ms = m.rebalance_timeout_ms;
  r.protocol_type = m.protocol_type;
  for (const auto& p : m.protocols)
    r.protocols.push_back({p.name, to_bytes(p.metadata)});
  r.require_known_member_id = m.require_known_member_id;
  return r;
}

join_group_reply to_reply(const group::join_response& r) {
  join_group_reply m;
  m.error_code = wire_value(r.error);
  m.generation = r.generation;
  m.protocol_type = r.protocol_type;
  m.protocol_name = r.protocol_name;
  m.leader = r.leader;
  m.member_id = r.member_id;
  for (const auto& jm : r.members)
    m.members.push_back({jm.member_id, jm.group_instance_id.has_value(), jm.group_instance_id.value_or(""),
                         to_string_bytes(jm.metadata)});
  return m;
}

sync_group_reply to_reply(const group::sync_response& r) {
  return {wire_value(r.error), r.protocol_type, r.protocol_name, to_string_bytes(r.assignment)};
}

join_group_reply join_error(const join_group_request& req, error_code e) {
  join_group_reply m;
  m.error_code = wire_value(e);
  m.member_id = req.member_id;
  return m;
}

offset_commit_reply commit_error(const offset_commit_request& req, error_code e) {
  offset_commit_reply m;
  for (const auto& o : req.offsets)
    m.partitions.push_back({o.topic, o.partition, wire_value(e)});
  return m;
}

// -- the actor ----------------------------------------------------------------

/// An OffsetCommit waiting for its batch to be acknowledged.
struct pending_commit {
  caf::typed_response_promise<offset_commit_reply> promise;
  /// The validation outcome; accepted partitions (NONE) turn into the
  /// append's error if it fails.
  offset_commit_reply reply;
  std::vector<group::coordinator_record> records;
};

struct coordinator_state {
  static inline const char* name = "rivulet.group_coordinator";
  group_coordinator_config cfg;
  std::optional<group::group_coordinator> coord;
  std::string where; // "group coordinator of 'g'", for logs and the exit reason
  bool loading = true;
  std::int64_t load_target = -1; // high watermark of the first load fetch
  int load_failures = 0;
  std::size_t replayed = 0;
  std::size_t skipped = 0;
  // Parked joins and syncs per member, oldest first: take_completions()
  // answers them in the order they were parked.
  std::map<std::string, std::deque<caf::typed_response_promise<join_group_reply>>> joins;
  std::map<std::string, std::deque<caf::typed_response_promise<sync_group_reply>>> syncs;
  std::map<std::uint64_t, pending_commit> commits;
  std::uint64_t next_commit = 0;
  /// Durable transactional offsets (TxnOffsetCommit) per producer id, of
  /// the newest epoch seen, waiting for their transaction to end.
  struct pending_txn_offsets {
    std::int16_t epoch = -1;
    std::map<group::topic_partition, group::committed_offset> offsets;
  };
  std::map<std::int64_t, pending_txn_offsets> txn_pending;
};

using coordinator_t = caf::stateful_actor<coordinator_state>;

std::int64_t now_ms(coordinator_t* self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(caf::make_timestamp().time_since_epoch()).count();
}

/// The error every request gets before it reaches the state machine.
error_code gate(coordinator_t* self, const std::string& group_id) {
  auto& st = self->state;
  if (group_id != st.cfg.group_id)
    return error_code::not_coordinator;
  if (st.loading)
    return error_code::coordinator_load_in_progress;
  return error_code::none;
}

template <class Promises, class Reply>
void answer_oldest(Promises& parked, const std::string& member, const Reply& reply) {
  auto it = parked.find(member);
  if (it == parked.end())
    return;
  it->second.front().deliver(reply);
  it->second.pop_front();
  if (it->second.empty())
    parked.erase(it);
}

/// Answers the parked requests the last call into the state machine completed.
void drain(coordinator_t* self) {
  auto& st = self->state;
  auto done = st.coord->take_completions();
  for (const auto& [member, resp] : done.joins)
    answer_oldest(st.joins, member, to_reply(resp));
  for (const auto& [member, resp] : done.syncs)
    answer_oldest(st.syncs, member, to_reply(resp));
}

/// Unloads the group, answers everything still waiting NOT_COORDINATOR, and quits.
void go_dead(coordinator_t* self, const std::string& why) {
  auto& st = self->state;
  RIVULET_LOG(log_level::warn, "group", st.where << ": " << why);
  st.coord->unload();
  drain(self);
  for (auto& [member, promises] : st.joins)
    for (auto& p : promises)
      p.deliver(join_group_reply{wire_value(error_code::not_coordinator), -1, {}, {}, {}, member, {}});
  for (auto& [member, promises] : st.syncs)
    for (auto& p : promises)
      p.deliver(sync_group_reply{wire_value(error_code::not_coordinator), {}, {}, {}});
  for (auto& [id, pc] : st.commits) {
    for (auto& pe : pc.reply.partitions)
      if (pe.error_code == wire_value(error_code::none))
        pe.error_code = wire_value(error_code::not_coordinator);
    pc.promise.deliver(pc.reply);
  }
  st.joins.clear();
  st.syncs.clear();
  st.commits.clear();
  self->quit(caf::make_error(caf::sec::runtime_error, st.where + ": " + why));
}

// -- load ---------------------------------------------------------------------

/// Applies a durable transactional offset record (type 3 or 4) of this
/// group; false for any other record.
bool replay_txn_offsets(coordinator_t* self, const group::coordinator_record& cr) {
  auto& st = self->state;
  if (auto pending = group::decode_txn_offset_record(cr); pending.ok()) {
    const auto& r = *pending.value;
    if (r.group_id != st.cfg.group_id)
      return true;
    auto& p = st.txn_pending[r.producer_id];
    if (r.producer_epoch < p.epoch)
      return true; // a fenced instance's
    if (r.producer_epoch > p.epoch)
      p = {r.producer_epoch, {}};
    p.offsets[r.tp] = r.value;
    return true;
  }
  auto end = group::decode_txn_offsets_end_record(cr);
  if (!end.ok())
    return false;
  if (end.value->group_id != st.cfg.group_id)
    return true;
  auto it = st.txn_pending.find(end.value->producer_id);
  if (it == st.txn_pending.end())
    return true;
  if (end.value->commit && it->second.epoch == end.value->producer_epoch)
    for (const auto& [tp, value] : it->second.offsets)
      st.coord->replay(group::encode_offset_record(st.cfg.group_id, tp, value));
  st.txn_pending.erase(it);
  return true;
}

/// Writes `records` with acks=all; calls done(NONE) once they are durable
/// (after replaying them), else done with the error to answer.
void write_records(coordinator_t* self, std::vector<group::coordinator_record> records,
                   std::function<void(error_code)> done) {
  auto& st = self->state;
  auto batch = encode_coordinator_batch(records, wall_ms());
  if (!batch) {
    RIVULET_LOG(log_level::warn, "group", st.where << ": cannot encode records: " << batch.error().to_string());
    return done(error_code::unknown_server_error);
  }
  self->request(st.cfg.offsets_partition, st.cfg.request_timeout, produce_request{std::move(*batch), -1})
    .then(
      [self, records, done](const produce_reply& r) {
        if (!r.ok) {
          RIVULET_LOG(log_level::warn, "group", self->state.where << ": write refused: " << r.error);
          return done(error_code::not_coordinator);
        }
        for (const auto& rec : records)
          replay_txn_offsets(self, rec);
        done(error_code::none);
      },
      [done](const caf::error& e) {
        done(e == caf::sec::request_timeout ? error_code::request_timed_out : error_code::not_coordinator);
      });
}

/// TxnOffsetCommit: the offsets are written as pending records of the
/// producer; they count as committed once its transaction commits.
caf::result<offset_commit_reply> txn_commit(coordinator_t* self, const offset_commit_request& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.group_id); e != error_code::none)
    return commit_error(req, e);
  if (auto it = st.txn_pending.find(req.producer_id);
      it != st.txn_pending.end() && req.producer_epoch < it->second.epoch)
    return commit_error(req, error_code::invalid_producer_epoch);
  std::vector<group::coordinator_record> records;
  for (const auto& o : req.offsets) {
    group::txn_offset_record r;
    r.group_id = req.group_id;
    r.producer_id = req.producer_id;
    r.producer_epoch = req.producer_epoch;
    r.tp = {o.topic, o.partition};
    r.value.offset = o.offset;
    if (o.has_metadata)
      r.value.metadata = o.metadata;
    r.value.commit_time_ms = wall_ms();
    records.push_back(group::encode_txn_offset_record(r));
  }
  if (records.empty())
    return offset_commit_reply{};
  auto promise = self->make_response_promise<offset_commit_reply>();
  write_records(self, std::move(records), [promise, req](error_code e) mutable {
    promise.deliver(commit_error(req, e));
  });
  return promise;
}

caf::result<txn_reply> end_txn_offsets(coordinator_t* self, const txn_offsets_end& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.group_id); e != error_code::none)
    return txn_reply{wire_value(e)};
  if (st.txn_pending.count(req.producer_id) == 0)
    return txn_reply{};
  auto promise = self->make_response_promise<txn_reply>();
  write_records(self,
                {group::encode_txn_offsets_end_record({req.group_id, req.producer_id, req.commit, req.producer_epoch})},
                [promise](error_code e) mutable { promise.deliver(txn_reply{wire_value(e)}); });
  return promise;
}

/// Replays the offset records of this group in `batches` (a fetch reply's
/// bytes); returns the offset after the last batch, or an error text.
std::variant<std::int64_t, std::string> replay_batches(coordinator_t* self, const std::string& batches,
                                                       std::int64_t from) {
  auto& st = self->state;
  return for_each_coordinator_record(batches, from, st.load_target, [&](const group::coordinator_record& cr) {
    // Several groups share the partition: another group's record, or a
    // record type this version does not know, is not ours to apply.
    if (replay_txn_offsets(self, cr))
      return;
    auto decoded = group::decode_offset_record(cr);
    if (!decoded.ok() || decoded.value->group_id != st.cfg.group_id) {
      ++st.skipped;
      return;
    }
    st.coord->replay(cr);
    ++st.replayed;
  });
}

void tick(coordinator_t* self);

void load_from(coordinator_t* self, std::int64_t offset) {
  auto& st = self->state;
  fetch_request req;
  req.offset = offset;
  req.max_bytes = st.cfg.load_fetch_max_bytes;
  auto retry = [self, offset](const std::string& why) {
    auto& st = self->state;
    if (++st.load_failures >= st.cfg.load_attempts)
      return go_dead(self, "cannot load offsets: " + why);
    RIVULET_LOG(log_level::warn, "group", st.where << ": load fetch at " << offset << " failed, retrying: " << why);
    load_from(self, offset);
  };
  self->request(st.cfg.offsets_partition, st.cfg.request_timeout, req)
    .then(
      [self, offset, retry](const fetch_reply& r) {
        auto& st = self->state;
        if (!r.ok)
          return retry(r.error);
        if (st.load_target < 0)
          st.load_target = r.high_watermark;
        auto next = replay_batches(self, r.batches, offset);
        if (auto* why = std::get_if<std::string>(&next))
          return go_dead(self, "cannot load offsets: " + *why);
        auto at = std::get<std::int64_t>(next);
        if (at < st.load_target)
          return load_from(self, at);
        st.loading = false;
        RIVULET_LOG(log_level::info, "group", st.where << ": loaded " << st.replayed << " offset records below "
                                                       << st.load_target << " (" << st.skipped << " not ours)");
        tick(self);
      },
      [retry](const caf::error& e) { retry(caf::to_string(e)); });
}

void tick(coordinator_t* self) {
  auto& st = self->state;
  st.coord->tick(now_ms(self));
  drain(self);
  self->delayed_send(self, st.cfg.tick_interval, tick_atom_v);
}

// -- offset commit ------------------------------------------------------------

void finish_commit(coordinator_t* self, std::uint64_t id, error_code e) {
  auto& st = self->state;
  auto it = st.commits.find(id);
  if (it == st.commits.end())
    return;
  auto pc = std::move(it->second);
  st.commits.erase(it);
  if (e == error_code::none) {
    // Durable now: apply as a load would.
    for (const auto& r : pc.records)
      st.coord->replay(r);
  } else {
    for (auto& pe : pc.reply.partitions)
      if (pe.error_code == wire_value(error_code::none))
        pe.error_code = wire_value(e);
  }
  pc.promise.deliver(pc.reply);
}

caf::result<offset_commit_reply> commit(coordinator_t* self, const offset_commit_request& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.group_id); e != error_code::none)
    return commit_error(req, e);
  std::vector<group::offset_commit> offsets;
  std::map<group::topic_partition, std::optional<group::committed_offset>> durable;
  for (const auto& o : req.offsets) {
    group::offset_commit c{{o.topic, o.partition}, o.offset, std::nullopt};
    if (o.has_metadata)
      c.metadata = o.metadata;
    durable.emplace(c.tp, st.coord->offsets().get(c.tp));
    offsets.push_back(std::move(c));
  }
  auto res = st.coord->commit_offsets(req.member_id, req.generation, offsets, now_ms(self));
  // commit_offsets() already stored the offsets in memory. Until the batch
  // is acknowledged they are not durable, so put the durable values back;
  // finish_commit() replays the records once they are.
  for (const auto& [tp, value] : durable)
    st.coord->replay(group::encode_offset_record(st.cfg.group_id, tp, value));
  drain(self);
  offset_commit_reply reply;
  for (const auto& [tp, e] : res.errors)
    reply.partitions.push_back({tp.topic, tp.partition, wire_value(e)});
  if (res.records.empty())
    return reply;
  auto batch = encode_coordinator_batch(res.records, wall_ms());
  if (!batch) {
    RIVULET_LOG(log_level::warn, "group", st.where << ": cannot encode commit: " << batch.error().to_string());
    for (auto& pe : reply.partitions)
      if (pe.error_code == wire_value(error_code::none))
        pe.error_code = wire_value(error_code::unknown_server_error);
    return reply;
  }
  auto id = st.next_commit++;
  auto promise = self->make_response_promise<offset_commit_reply>();
  st.commits.emplace(id, pending_commit{promise, std::move(reply), std::move(res.records)});
  self->request(st.cfg.offsets_partition, st.cfg.request_timeout, produce_request{std::move(*batch), -1})
    .then(
      [self, id](const produce_reply& r) {
        if (!r.ok)
          RIVULET_LOG(log_level::warn, "group", self->state.where << ": commit refused: " << r.error);
        // Refused: this partition actor does not lead; the client finds the coordinator again.
        finish_commit(self, id, r.ok ? error_code::none : error_code::not_coordinator);
      },
      [self, id](const caf::error& e) {
        finish_commit(self, id,
                      e == caf::sec::request_timeout ? error_code::request_timed_out : error_code::not_coordinator);
      });
  return promise;
}

// -- membership ---------------------------------------------------------------

caf::result<join_group_reply> join(coordinator_t* self, const join_group_request& msg) {
  auto& st = self->state;
  if (auto e = gate(self, msg.group_id); e != error_code::none)
    return join_error(msg, e);
  auto req = to_join_request(msg);
  // A JoinGroup before v4 gets its id with the final answer: find it as the
  // member the call added.
  bool anonymous = req.member_id.empty() && !req.require_known_member_id;
  auto before = anonymous ? st.coord->member_ids() : std::vector<std::string>{};
  auto direct = st.coord->join(req, now_ms(self));
  if (direct) {
    drain(self);
    return to_reply(*direct);
  }
  auto id = req.member_id;
  if (anonymous)
    for (const auto& m : st.coord->member_ids())
      if (std::find(before.begin(), before.end(), m) == before.end())
        id = m;
  auto promise = self->make_response_promise<join_group_reply>();
  st.joins[id].push_back(promise);
  drain(self);
  return promise;
}

caf::result<sync_group_reply> sync(coordinator_t* self, const sync_group_request& msg) {
  auto& st = self->state;
  if (auto e = gate(self, msg.group_id); e != error_code::none)
    return sync_group_reply{wire_value(e), {}, {}, {}};
  std::vector<std::pair<std::string, group::bytes>> assignments;
  for (const auto& a : msg.assignments)
    assignments.emplace_back(a.member_id, to_bytes(a.assignment));
  auto direct = st.coord->sync(msg.member_id, msg.generation, assignments, now_ms(self));
  if (direct) {
    drain(self);
    return to_reply(*direct);
  }
  auto promise = self->make_response_promise<sync_group_reply>();
  st.syncs[msg.member_id].push_back(promise);
  drain(self);
  return promise;
}

offset_fetch_reply fetch_offsets(coordinator_t* self, const offset_fetch_request& req) {
  offset_fetch_reply reply;
  if (auto e = gate(self, req.group_id); e != error_code::none) {
    reply.error_code = wire_value(e);
    return reply;
  }
  std::optional<std::vector<group::topic_partition>> wanted;
  if (req.has_partitions) {
    wanted.emplace();
    for (const auto& p : req.partitions)
      wanted->push_back({p.topic, p.partition});
  }
  for (const auto& f : self->state.coord->fetch_offsets(wanted))
    reply.partitions.push_back({f.tp.topic, f.tp.partition, f.offset, f.metadata.has_value(),
                                f.metadata.value_or(""), wire_value(f.error)});
  return reply;
}

caf::behavior coordinator(coordinator_t* self, group_coordinator_config cfg) {
  auto& st = self->state;
  cfg.group.group_id = cfg.group_id;
  st.where = "group coordinator of '" + cfg.group_id + "'";
  st.coord.emplace(cfg.group);
  st.cfg = std::move(cfg);
  self->monitor(st.cfg.offsets_partition);
  self->set_down_handler([self](caf::down_msg& m) {
    if (m.source == self->state.cfg.offsets_partition.address())
      go_dead(self, "offsets partition down: " + caf::to_string(m.reason));
  });
  load_from(self, 0);
  return {
    [self](tick_atom) { tick(self); },
    [self](const join_group_request& req) { return join(self, req); },
    [self](const sync_group_request& req) { return sync(self, req); },
    [self](const heartbeat_request& req) -> heartbeat_reply {
      if (auto e = gate(self, req.group_id); e != error_code::none)
        return {wire_value(e)};
      auto e = self->state.coord->heartbeat(req.member_id, req.generation, now_ms(self));
      drain(self);
      return {wire_value(e)};
    },
    [self](const leave_group_request& req) -> leave_group_reply {
      if (auto e = gate(self, req.group_id); e != error_code::none)
        return {wire_value(e)};
      auto e = self->state.coord->leave(req.member_id, now_ms(self));
      drain(self);
      return {wire_value(e)};
    },
    [self](const offset_commit_request& req) {
      return req.producer_id >= 0 ? txn_commit(self, req) : commit(self, req);
    },
    [self](const txn_offsets_end& req) { return end_txn_offsets(self, req); },
    [self](const offset_fetch_request& req) { return fetch_offsets(self, req); },
  };
}

} // namespace

caf::actor spawn_group_coordinator(caf::actor_system& sys, group_coordinator_config cfg) {
  return sys.spawn(coordinator, std::move(cfg));
}

} // namespace rivulet::actors
