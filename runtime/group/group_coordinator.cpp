#include "runtime/group/group_coordinator.hpp"

#include <algorithm>
#include <cstdio>

// Join phase and rebalance completion. Sync, heartbeat, leave, timers and
// offsets are in group_coordinator_requests.cpp.

namespace rivulet::group {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

const char* to_string(group_state s) noexcept {
  switch (s) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
  }
  return "Unknown";
}

group_coordinator::group_coordinator(group_config config)
  : config_(std::move(config)), offsets_(config_.group_id) {
}

std::optional<join_response> group_coordinator::join(const join_request& req, std::int64_t now_ms) {
  join_response err;
  err.member_id = req.member_id;
  if (state_ == group_state::dead) {
    err.error = error_code::coordinator_not_available;
    return err;
  }
  if (auto e = validate_join(req); e != error_code::none) {
    err.error = e;
    return err;
  }
  if (req.member_id.empty())
    return join_new(req, now_ms);
  if (pending_.erase(req.member_id) > 0) {
    // The second step of the MEMBER_ID_REQUIRED handshake.
    add_member(req, req.member_id, now_ms);
    maybe_prepare_rebalance(now_ms);
    try_complete_join(now_ms);
    return std::nullopt;
  }
  if (members_.count(req.member_id) == 0) {
    err.error = error_code::unknown_member_id;
    return err;
  }
  return join_known(req, now_ms);
}

error_code group_coordinator::validate_join(const join_request& req) const {
  if (req.session_timeout_ms < config_.min_session_timeout_ms
      || req.session_timeout_ms > config_.max_session_timeout_ms)
    return error_code::invalid_session_timeout;
  if (!supports_protocols(req))
    return error_code::inconsistent_group_protocol;
  return error_code::none;
}

bool group_coordinator::supports_protocols(const join_request& req) const {
  if (req.protocol_type.empty() || req.protocols.empty())
    return false;
  if (members_.empty())
    return true;
  if (req.protocol_type != protocol_type_)
    return false;
  // Some offered protocol must be supported by every current member (a
  // rejoining member's old protocols count too, as in Kafka), so the
  // members always share at least one protocol.
  return std::any_of(req.protocols.begin(), req.protocols.end(), [&](const protocol& p) {
    return std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      const auto& ps = kv.second.protocols;
      return std::any_of(ps.begin(), ps.end(), [&](const protocol& q) { return q.name == p.name; });
    });
  });
}

std::optional<join_response> group_coordinator::join_new(const join_request& req,
                                                         std::int64_t now_ms) {
  if (members_.size() + pending_.size() >= config_.max_size) {
    join_response r;
    r.error = error_code::group_max_size_reached;
    return r;
  }
  std::string id = next_member_id(req.client_id);
  if (req.require_known_member_id) {
    // KIP-394: the id is handed out first and the member only counts once
    // it rejoins with it; until then it blocks the join phase like a member.
    pending_[id].deadline_ms = now_ms + req.session_timeout_ms;
    join_response r;
    r.error = error_code::member_id_required;
    r.member_id = id;
    return r;
  }
  add_member(req, id, now_ms);
  maybe_prepare_rebalance(now_ms);
  try_complete_join(now_ms);
  return std::nullopt;
}

std::optional<join_response> group_coordinator::join_known(const join_request& req,
                                                           std::int64_t now_ms) {
  member& m = members_.at(req.member_id);
  switch (state_) {
    case group_state::preparing_rebalance:
      update_member(m, req, now_ms);
      try_complete_join(now_ms);
      return std::nullopt;
    case group_state::completing_rebalance:
      if (!m.awaiting_join && m.protocols == req.protocols) {
        // It probably lost its join response: repeat it for this generation.
        m.session_deadline_ms = now_ms + m.session_timeout_ms;
        return current_join_response(m);
      }
      break;
    case group_state::stable:
      if (m.id != leader_ && m.protocols == req.protocols) {
        m.session_deadline_ms = now_ms + m.session_timeout_ms;
        return current_join_response(m);
      }
      break;
    case group_state::empty:
    case group_state::dead: {
      join_response r;
      r.error = error_code::unknown_member_id;
      r.member_id = req.member_id;
      return r;
    }
  }
  // A changed subscription, or the leader rejoining (it may have seen new
  // topic metadata): rebalance.
  update_member(m, req, now_ms);
  prepare_rebalance(now_ms);
  try_complete_join(now_ms);
  return std::nullopt;
}

std::string group_coordinator::next_member_id(const std::string& client_id) {
  for (;;) {
    std::uint64_t n = ++member_id_counter_;
    std::uint64_t a = splitmix64(config_.member_id_seed ^ (n * 2));
    std::uint64_t b = splitmix64(config_.member_id_seed ^ (n * 2 + 1));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                  static_cast<unsigned>(a & 0xffff), static_cast<unsigned>(b >> 48),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    std::string id = client_id + "-" + buf;
    if (members_.count(id) == 0 && pending_.count(id) == 0)
      return id;
  }
}

void group_coordinator::add_member(const join_request& req, const std::string& id,
                                   std::int64_t now_ms) {
  if (members_.empty())
    protocol_type_ = req.protocol_type;
  member m;
  m.id = id;
  m.join_seq = next_join_seq_++;
  members_.emplace(id, std::move(m));
  update_member(members_.at(id), req, now_ms);
  if (leader_.empty())
    leader_ = id;
  if (in_initial_delay_)
    new_member_during_delay_ = true;
}

void group_coordinator::update_member(member& m, const join_request& req, std::int64_t now_ms) {
  if (m.awaiting_join) {
    // A second join replaces the parked one; answer the first so the caller
    // can keep one pending request per member.
    join_response r;
    r.error = error_code::rebalance_in_progress;
    r.member_id = m.id;
    done_.joins.emplace_back(m.id, std::move(r));
  }
  m.instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = req.protocols;
  m.awaiting_join = true;
  m.session_deadline_ms = now_ms + req.session_timeout_ms;
}

void group_coordinator::remove_member(const std::string& id, error_code parked_error) {
  auto it = members_.find(id);
  if (it == members_.end())
    return;
  member& m = it->second;
  if (m.awaiting_join) {
    join_response r;
    r.error = parked_error;
    done_.joins.emplace_back(id, std::move(r));
  }
  complete_sync(m, parked_error);
  members_.erase(it);
  pending_sync_.erase(std::remove(pending_sync_.begin(), pending_sync_.end(), id),
                      pending_sync_.end());
  if (leader_ == id) {
    leader_.clear();
    const member* first = nullptr;
    for (const auto& kv : members_)
      if (!first || kv.second.join_seq < first->join_seq)
        first = &kv.second;
    if (first)
      leader_ = first->id;
  }
}

void group_coordinator::remove_and_rebalance(const std::string& id, std::int64_t now_ms) {
  remove_member(id, error_code::unknown_member_id);
  switch (state_) {
    case group_state::stable:
    case group_state::completing_rebalance:
      prepare_rebalance(now_ms);
      try_complete_join(now_ms);
      break;
    case group_state::preparing_rebalance:
      try_complete_join(now_ms);
      break;
    case group_state::empty:
    case group_state::dead:
      break;
  }
}

void group_coordinator::maybe_prepare_rebalance(std::int64_t now_ms) {
  if (state_ == group_state::stable || state_ == group_state::completing_rebalance
      || state_ == group_state::empty)
    prepare_rebalance(now_ms);
}

void group_coordinator::prepare_rebalance(std::int64_t now_ms) {
  if (state_ == group_state::completing_rebalance) {
    // The leader's assignment for this generation will never come: release
    // the members waiting for it.
    for (auto& kv : members_) {
      complete_sync(kv.second, error_code::rebalance_in_progress);
      kv.second.assignment.clear();
    }
  }
  pending_sync_.clear();
  bool from_empty = state_ == group_state::empty;
  state_ = group_state::preparing_rebalance;
  std::int64_t timeout_ms = 0;
  for (const auto& kv : members_)
    timeout_ms = std::max<std::int64_t>(timeout_ms, kv.second.rebalance_timeout_ms);
  rebalance_deadline_ms_ = now_ms + timeout_ms;
  in_initial_delay_ = from_empty && config_.initial_rebalance_delay_ms > 0;
  if (in_initial_delay_) {
    std::int64_t delay = std::min<std::int64_t>(config_.initial_rebalance_delay_ms, timeout_ms);
    initial_delay_deadline_ms_ = now_ms + delay;
    initial_delay_remaining_ms_ = timeout_ms - delay;
    new_member_during_delay_ = false;
  }
}

void group_coordinator::try_complete_join(std::int64_t now_ms) {
  if (state_ != group_state::preparing_rebalance || in_initial_delay_ || !pending_.empty())
    return;
  for (const auto& kv : members_)
    if (!kv.second.awaiting_join)
      return;
  complete_join(now_ms);
}

void group_coordinator::complete_join(std::int64_t now_ms) {
  in_initial_delay_ = false;
  // Members that did not rejoin in time are out (static membership, which
  // would keep them, is not implemented).
  std::vector<std::string> gone;
  for (const auto& kv : members_)
    if (!kv.second.awaiting_join)
      gone.push_back(kv.first);
  for (const auto& id : gone)
    remove_member(id, error_code::unknown_member_id);

  ++generation_;
  if (members_.empty()) {
    protocol_name_.clear();
    leader_.clear();
    state_ = group_state::empty;
    return;
  }
  protocol_name_ = select_protocol();
  state_ = group_state::completing_rebalance;
  std::int64_t timeout_ms = 0;
  std::vector<member*> order;
  for (auto& kv : members_) {
    order.push_back(&kv.second);
    timeout_ms = std::max<std::int64_t>(timeout_ms, kv.second.rebalance_timeout_ms);
  }
  std::sort(order.begin(), order.end(),
            [](const member* a, const member* b) { return a->join_seq < b->join_seq; });
  pending_sync_.clear();
  pending_sync_deadline_ms_ = now_ms + timeout_ms;
  for (member* m : order) {
    m->awaiting_join = false;
    m->session_deadline_ms = now_ms + m->session_timeout_ms;
    pending_sync_.push_back(m->id);
    done_.joins.emplace_back(m->id, current_join_response(*m));
  }
}

std::string group_coordinator::select_protocol() const {
  // Each member votes for its most preferred protocol among those every
  // member supports; the most votes win. Ties go to the protocol the leader
  // prefers (Kafka leaves ties to hash order; we want determinism).
  const member& lead = members_.at(leader_);
  std::map<std::string, int> votes;
  auto supported_by_all = [&](const std::string& name) {
    return std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      const auto& ps = kv.second.protocols;
      return std::any_of(ps.begin(), ps.end(), [&](const protocol& q) { return q.name == name; });
    });
  };
  for (const auto& kv : members_)
    for (const auto& p : kv.second.protocols)
      if (supported_by_all(p.name)) {
        ++votes[p.name];
        break;
      }
  std::string best;
  int best_votes = 0;
  for (const auto& p : lead.protocols) {
    auto it = votes.find(p.name);
    if (it != votes.end() && it->second > best_votes) {
      best = p.name;
      best_votes = it->second;
    }
  }
  // supports_protocols() keeps a common protocol; fall back defensively.
  return best.empty() ? lead.protocols.front().name : best;
}

join_response group_coordinator::current_join_response(const member& m) const {
  join_response r;
  r.generation = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.leader = leader_;
  r.member_id = m.id;
  if (m.id == leader_) {
    std::vector<const member*> order;
    for (const auto& kv : members_)
      order.push_back(&kv.second);
    std::sort(order.begin(), order.end(),
              [](const member* a, const member* b) { return a->join_seq < b->join_seq; });
    for (const member* o : order) {
      join_member jm{o->id, o->instance_id, {}};
      for (const auto& p : o->protocols)
        if (p.name == protocol_name_)
          jm.metadata = p.metadata;
      r.members.push_back(std::move(jm));
    }
  }
  return r;
}

} // namespace rivulet::group
