#include "runtime/group/group_coordinator.hpp"

#include <algorithm>
#include <iterator>

// SyncGroup, Heartbeat, LeaveGroup, timers, unload, and the offset APIs.

namespace rivulet::group {

std::optional<sync_response>
group_coordinator::sync(const std::string& member_id, std::int32_t generation,
                        const std::vector<std::pair<std::string, bytes>>& assignments,
                        std::int64_t now_ms) {
  sync_response r;
  if (state_ == group_state::dead) {
    r.error = error_code::coordinator_not_available;
    return r;
  }
  auto it = members_.find(member_id);
  if (it == members_.end()) {
    r.error = error_code::unknown_member_id;
    return r;
  }
  if (generation != generation_) {
    r.error = error_code::illegal_generation;
    return r;
  }
  member& m = it->second;
  switch (state_) {
    case group_state::empty:
    case group_state::dead:
      r.error = error_code::unknown_member_id;
      return r;
    case group_state::preparing_rebalance:
      r.error = error_code::rebalance_in_progress;
      return r;
    case group_state::stable:
      break;
    case group_state::completing_rebalance: {
      pending_sync_.erase(std::remove(pending_sync_.begin(), pending_sync_.end(), member_id),
                          pending_sync_.end());
      m.session_deadline_ms = now_ms + m.session_timeout_ms;
      // A repeated sync replaces the parked one.
      complete_sync(m, error_code::rebalance_in_progress);
      m.awaiting_sync = true;
      if (member_id != leader_)
        return std::nullopt;
      for (auto& kv : members_)
        kv.second.assignment.clear();
      for (const auto& [id, assignment] : assignments) {
        auto target = members_.find(id);
        if (target != members_.end())
          target->second.assignment = assignment;
      }
      state_ = group_state::stable;
      m.awaiting_sync = false;
      for (auto& kv : members_)
        complete_sync(kv.second, error_code::none);
      break;
    }
  }
  pending_sync_.erase(std::remove(pending_sync_.begin(), pending_sync_.end(), member_id),
                      pending_sync_.end());
  m.session_deadline_ms = now_ms + m.session_timeout_ms;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.assignment = m.assignment;
  return r;
}

void group_coordinator::complete_sync(member& m, error_code e) {
  if (!m.awaiting_sync)
    return;
  m.awaiting_sync = false;
  sync_response r;
  r.error = e;
  if (e == error_code::none) {
    r.protocol_type = protocol_type_;
    r.protocol_name = protocol_name_;
    r.assignment = m.assignment;
  }
  done_.syncs.emplace_back(m.id, std::move(r));
}

error_code group_coordinator::heartbeat(const std::string& member_id, std::int32_t generation,
                                        std::int64_t now_ms) {
  if (state_ == group_state::dead)
    return error_code::coordinator_not_available;
  auto it = members_.find(member_id);
  if (it == members_.end())
    return error_code::unknown_member_id;
  if (generation != generation_)
    return error_code::illegal_generation;
  member& m = it->second;
  switch (state_) {
    case group_state::empty:
    case group_state::dead:
      return error_code::unknown_member_id;
    case group_state::preparing_rebalance:
      m.session_deadline_ms = now_ms + m.session_timeout_ms;
      return error_code::rebalance_in_progress;
    case group_state::completing_rebalance:
    case group_state::stable:
      m.session_deadline_ms = now_ms + m.session_timeout_ms;
      return error_code::none;
  }
  return error_code::none;
}

error_code group_coordinator::leave(const std::string& member_id, std::int64_t now_ms) {
  if (state_ == group_state::dead)
    return error_code::coordinator_not_available;
  if (pending_.erase(member_id) > 0) {
    try_complete_join(now_ms);
    return error_code::none;
  }
  if (members_.count(member_id) == 0)
    return error_code::unknown_member_id;
  remove_and_rebalance(member_id, now_ms);
  return error_code::none;
}

void group_coordinator::tick(std::int64_t now_ms) {
  if (state_ == group_state::dead)
    return;
  expire(now_ms);
  if (state_ != group_state::preparing_rebalance)
    return;
  if (in_initial_delay_) {
    if (now_ms < initial_delay_deadline_ms_)
      return;
    if (new_member_during_delay_ && initial_delay_remaining_ms_ > 0) {
      // Members are still arriving: wait another delay, within the timeout.
      std::int64_t delay =
        std::min<std::int64_t>(config_.initial_rebalance_delay_ms, initial_delay_remaining_ms_);
      initial_delay_deadline_ms_ = now_ms + delay;
      initial_delay_remaining_ms_ -= delay;
      new_member_during_delay_ = false;
      return;
    }
    complete_join(now_ms);
  } else if (now_ms >= rebalance_deadline_ms_) {
    complete_join(now_ms);
  } else {
    try_complete_join(now_ms);
  }
}

void group_coordinator::expire(std::int64_t now_ms) {
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->second.deadline_ms <= now_ms ? pending_.erase(it) : std::next(it);

  if ((state_ == group_state::completing_rebalance || state_ == group_state::stable)
      && !pending_sync_.empty() && now_ms >= pending_sync_deadline_ms_) {
    // Members that never sent SyncGroup for this generation are out.
    std::vector<std::string> late = pending_sync_;
    for (const auto& id : late)
      remove_member(id, error_code::unknown_member_id);
    prepare_rebalance(now_ms);
    try_complete_join(now_ms);
  }

  // A member whose join or sync is parked is kept alive by the rebalance
  // timers instead of its session.
  std::vector<std::string> expired;
  for (const auto& kv : members_) {
    const member& m = kv.second;
    if (!m.awaiting_join && !m.awaiting_sync && m.session_deadline_ms <= now_ms)
      expired.push_back(kv.first);
  }
  for (const auto& id : expired)
    remove_and_rebalance(id, now_ms);
}

completions group_coordinator::take_completions() {
  completions out = std::move(done_);
  done_ = {};
  return out;
}

std::vector<std::string> group_coordinator::member_ids() const {
  std::vector<const member*> order;
  for (const auto& kv : members_)
    order.push_back(&kv.second);
  std::sort(order.begin(), order.end(),
            [](const member* a, const member* b) { return a->join_seq < b->join_seq; });
  std::vector<std::string> ids;
  for (const member* m : order)
    ids.push_back(m->id);
  return ids;
}

std::optional<bytes> group_coordinator::assignment_of(const std::string& member_id) const {
  auto it = members_.find(member_id);
  if (it == members_.end())
    return std::nullopt;
  return it->second.assignment;
}

void group_coordinator::unload() {
  for (auto& kv : members_) {
    member& m = kv.second;
    if (m.awaiting_join) {
      m.awaiting_join = false;
      join_response r;
      r.error = error_code::not_coordinator;
      r.member_id = m.id;
      done_.joins.emplace_back(m.id, std::move(r));
    }
    complete_sync(m, error_code::not_coordinator);
  }
  pending_.clear();
  pending_sync_.clear();
  in_initial_delay_ = false;
  state_ = group_state::dead;
}

offset_commit_result group_coordinator::commit_offsets(const std::string& member_id,
                                                       std::int32_t generation,
                                                       const std::vector<offset_commit>& offsets,
                                                       std::int64_t now_ms) {
  // The order of checks follows Kafka's ClassicGroup.validateOffsetCommit.
  error_code e = error_code::none;
  member* m = nullptr;
  if (state_ == group_state::dead) {
    e = error_code::coordinator_not_available;
  } else if (generation < 0 && state_ == group_state::empty) {
    // A manual-assignment consumer or an admin: only while nobody is a member.
  } else if (generation >= 0 || !member_id.empty()) {
    auto it = members_.find(member_id);
    if (it == members_.end())
      e = error_code::unknown_member_id;
    else if (generation != generation_)
      e = error_code::illegal_generation; // e.g. a zombie of an older generation
    else
      m = &it->second;
  } else {
    e = error_code::unknown_member_id;
  }
  if (e == error_code::none && state_ == group_state::completing_rebalance)
    e = error_code::rebalance_in_progress;

  offset_commit_result out;
  for (const auto& c : offsets) {
    error_code pe = e;
    if (pe == error_code::none && c.metadata && c.metadata->size() > config_.offset_metadata_max_bytes)
      pe = error_code::offset_metadata_too_large;
    if (pe == error_code::none)
      out.records.push_back(offsets_.commit(c.tp, committed_offset{c.offset, c.metadata, now_ms}));
    out.errors.emplace_back(c.tp, pe);
  }
  // A commit is a sign of life, as a heartbeat is.
  if (e == error_code::none && m != nullptr)
    m->session_deadline_ms = now_ms + m->session_timeout_ms;
  return out;
}

std::vector<offset_fetch_entry>
group_coordinator::fetch_offsets(const std::optional<std::vector<topic_partition>>& partitions) const {
  std::vector<offset_fetch_entry> out;
  auto entry = [&](const topic_partition& tp) {
    offset_fetch_entry f;
    f.tp = tp;
    if (state_ == group_state::dead) {
      f.error = error_code::group_id_not_found;
    } else if (auto c = offsets_.get(tp)) {
      f.offset = c->offset;
      f.metadata = c->metadata;
    }
    out.push_back(std::move(f));
  };
  if (partitions) {
    for (const auto& tp : *partitions)
      entry(tp);
  } else if (state_ != group_state::dead) {
    for (const auto& kv : offsets_.all())
      entry(kv.first);
  }
  return out;
}

std::pair<error_code, std::vector<coordinator_record>>
group_coordinator::delete_offsets(const std::vector<topic_partition>& partitions) {
  if (state_ == group_state::dead)
    return {error_code::group_id_not_found, {}};
  // Kafka also allows deleting offsets of topics a non-empty consumer group
  // no longer subscribes to; we do not look inside subscriptions here.
  if (state_ != group_state::empty)
    return {error_code::non_empty_group, {}};
  std::vector<coordinator_record> records;
  for (const auto& tp : partitions)
    if (auto r = offsets_.remove(tp))
      records.push_back(std::move(*r));
  return {error_code::none, std::move(records)};
}

} // namespace rivulet::group
