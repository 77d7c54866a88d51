// Log replication of raft_node: the follower side of append_request and
// heartbeat, the leader's per-follower flow control and the commit rule.
#include <algorithm>
#include <cstdlib>
#include <utility>

#include "runtime/raft/raft_node.hpp"

namespace rivulet::raft {

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

void raft_node::handle_append(const message& m) {
  message r;
  r.type = message_type::append_reply;
  r.to = m.from;
  r.term = term_;
  if (m.index < commit_) {
    // Everything up to our commit index matches the leader already.
    r.index = commit_;
    send(std::move(r));
    return;
  }
  for (std::size_t i = 0; i < m.entries.size(); ++i)
    require(m.entries[i].index.value == m.index.value + i + 1);
  if (log_.matches(m.index, m.log_term)) {
    log_index last_new{m.index.value + m.entries.size()};
    if (auto conflict = log_.find_conflict(m.entries)) {
      // Only a divergent, uncommitted suffix may be replaced; entries that
      // already match stay, so a duplicated or stale append never truncates.
      require(*conflict > commit_);
      auto from = m.entries.begin() + static_cast<long>(conflict->value - m.index.value - 1);
      log_.truncate_and_append(std::vector<log_entry>(from, m.entries.end()));
    }
    commit_to(std::min(m.commit, last_new));
    r.index = last_new;
    send(std::move(r));
    return;
  }
  // Hint: the last index at or below the leader's previous index whose term
  // is not newer than the leader's; the leader can skip a whole term.
  auto hint = log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
  r.reject = true;
  r.index = m.index;
  r.reject_hint = hint;
  r.hint_term = log_.term_at(hint).value_or(term_id{});
  send(std::move(r));
}

void raft_node::handle_heartbeat(const message& m) {
  // The leader caps the heartbeat's commit at what it knows we hold.
  commit_to(m.commit);
  message r;
  r.type = message_type::heartbeat_reply;
  r.to = m.from;
  r.term = term_;
  send(std::move(r));
}

void raft_node::handle_append_reply(const message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end())
    return;
  auto& pr = it->second;
  pr.recent_active = true;
  if (m.reject) {
    auto hint = log_.find_conflict_by_term(m.reject_hint, m.hint_term);
    if (pr.maybe_decrement(m.index, hint)) {
      if (pr.state() == progress_state::replicate)
        pr.become_probe();
      send_append(m.from, true);
    }
    return;
  }
  if (!pr.maybe_update(m.index))
    return;
  if (pr.state() == progress_state::probe)
    pr.become_replicate();
  if (maybe_commit())
    broadcast_append();
  while (send_append(m.from, false)) {
  }
  maybe_finish_transfer(m.from);
  release_unneeded();
}

void raft_node::handle_heartbeat_reply(const message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end())
    return;
  auto& pr = it->second;
  pr.recent_active = true;
  pr.heartbeat_replied();
  if (pr.match() < log_.last_index())
    send_append(m.from, true);
}

bool raft_node::send_append(node_id to, bool send_if_empty) {
  auto& pr = progress_.at(to);
  if (pr.is_paused())
    return false;
  message m;
  m.type = message_type::append_request;
  m.to = to;
  m.term = term_;
  m.index = pr.next().prev();
  auto prev_term = log_.term_at(m.index);
  require(prev_term.has_value());
  m.log_term = *prev_term;
  auto last = log_.last_index();
  if (pr.next() <= last)
    m.entries = log_.slice(pr.next(), last, config_.max_bytes_per_message,
                           config_.max_entries_per_message);
  if (m.entries.empty() && !send_if_empty)
    return false;
  m.commit = commit_;
  bool had_entries = !m.entries.empty();
  pr.sent_append(had_entries ? m.entries.back().index : m.index, had_entries);
  send(std::move(m));
  return true;
}

void raft_node::broadcast_append() {
  for (auto v : config_.voters)
    if (v != config_.id)
      send_append(v, true);
}

void raft_node::broadcast_heartbeat() {
  for (auto v : config_.voters) {
    if (v == config_.id)
      continue;
    message m;
    m.type = message_type::heartbeat;
    m.to = v;
    m.term = term_;
    m.commit = std::min(progress_.at(v).match(), commit_);
    send(std::move(m));
  }
}

bool raft_node::maybe_commit() {
  std::vector<log_index> matches;
  matches.reserve(progress_.size());
  for (const auto& [_, pr] : progress_)
    matches.push_back(pr.match());
  std::sort(matches.begin(), matches.end(),
            [](log_index a, log_index b) { return a > b; });
  auto candidate = matches[quorum() - 1];
  // Figure 8: count replicas only for an entry of our own term.
  if (candidate > commit_ && log_.term_at(candidate) == term_) {
    commit_ = candidate;
    return true;
  }
  return false;
}

void raft_node::commit_to(log_index index) {
  if (index <= commit_)
    return;
  require(index <= log_.last_index());
  commit_ = index;
}

void raft_node::append_as_leader(entry_kind kind, std::string payload) {
  log_entry e;
  e.term = term_;
  e.index = log_.last_index().next();
  e.kind = kind;
  e.payload = std::move(payload);
  log_.append(std::move(e));
}

propose_result raft_node::propose(std::string payload) {
  propose_result r;
  r.leader = leader_;
  if (role_ != raft_role::leader) {
    r.status = propose_status::not_leader;
    return r;
  }
  if (transfer_to_) {
    r.status = propose_status::transfer_in_progress;
    return r;
  }
  append_as_leader(entry_kind::normal, std::move(payload));
  r.status = propose_status::accepted;
  r.index = log_.last_index();
  broadcast_append();
  return r;
}

bool raft_node::quorum_active() const {
  std::size_t active = 0;
  for (const auto& [id, pr] : progress_)
    active += (id == config_.id || pr.recent_active) ? 1 : 0;
  return active >= quorum();
}

bool raft_node::transfer_leadership(node_id to) {
  if (role_ != raft_role::leader || to == config_.id || progress_.count(to) == 0)
    return false;
  if (transfer_to_ == to)
    return true;
  transfer_to_ = to;
  // The transfer is abandoned after one election timeout (tick_heartbeat).
  election_elapsed_ = 0;
  auto& pr = progress_.at(to);
  if (pr.match() == log_.last_index()) {
    maybe_finish_transfer(to);
    return true;
  }
  // Restart a stalled stream now rather than wait for a heartbeat round,
  // which could take most of the transfer's time budget.
  if (pr.is_paused())
    pr.become_probe();
  send_append(to, true);
  return true;
}

void raft_node::maybe_finish_transfer(node_id peer) {
  if (transfer_to_ != peer || progress_.at(peer).match() != log_.last_index())
    return;
  message m;
  m.type = message_type::timeout_now;
  m.to = peer;
  m.term = term_;
  send(std::move(m));
}

} // namespace rivulet::raft
