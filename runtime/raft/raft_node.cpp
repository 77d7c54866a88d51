// Roles, elections, timers and the ready/advance cycle of raft_node.
// Replication lives in raft_replication.cpp.
#include "runtime/raft/raft_node.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <utility>

namespace rivulet::raft {

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

// splitmix64: tiny, seedable and identical on every platform, unlike the
// distributions of <random>.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

const char* to_string(message_type t) {
  switch (t) {
    case message_type::pre_vote_request: return "pre_vote_request";
    case message_type::pre_vote_reply: return "pre_vote_reply";
    case message_type::vote_request: return "vote_request";
    case message_type::vote_reply: return "vote_reply";
    case message_type::append_request: return "append_request";
    case message_type::append_reply: return "append_reply";
    case message_type::heartbeat: return "heartbeat";
    case message_type::heartbeat_reply: return "heartbeat_reply";
    case message_type::timeout_now: return "timeout_now";
  }
  return "?";
}

raft_node::raft_node(raft_config config, const raft_log_storage& storage,
                     hard_state state, log_index applied)
  : config_(std::move(config)),
    log_(storage),
    rng_state_(config_.seed ^ static_cast<std::uint64_t>(config_.id.value)),
    term_(state.term),
    voted_for_(state.voted_for),
    commit_(state.commit),
    applied_(applied),
    persisted_(state) {
  std::sort(config_.voters.begin(), config_.voters.end());
  require(std::binary_search(config_.voters.begin(), config_.voters.end(), config_.id));
  require(config_.election_ticks > 0 && config_.heartbeat_ticks > 0
          && config_.heartbeat_ticks < config_.election_ticks);
  require(config_.max_inflight > 0 && config_.max_entries_per_message > 0);
  require(applied_ <= commit_ && commit_ <= log_.last_index());
  become_follower(term_, std::nullopt);
}

void raft_node::send(message m) {
  m.from = config_.id;
  outbox_.push_back(std::move(m));
}

void raft_node::reset_timers() {
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  auto t = static_cast<std::uint64_t>(config_.election_ticks);
  randomized_timeout_ = config_.election_ticks + static_cast<int>(next_random(rng_state_) % t);
}

void raft_node::become_follower(term_id term, std::optional<node_id> leader) {
  if (term != term_) {
    term_ = term;
    voted_for_.reset();
  }
  role_ = raft_role::follower;
  leader_ = leader;
  votes_.clear();
  progress_.clear();
  transfer_to_.reset();
  reset_timers();
}

void raft_node::become_pre_candidate() {
  // Neither term nor vote change: a pre-vote disturbs no one.
  role_ = raft_role::pre_candidate;
  leader_.reset();
  votes_.clear();
  progress_.clear();
  transfer_to_.reset();
  reset_timers();
}

void raft_node::become_candidate() {
  term_ = term_.next();
  voted_for_ = config_.id;
  role_ = raft_role::candidate;
  leader_.reset();
  votes_.clear();
  progress_.clear();
  transfer_to_.reset();
  reset_timers();
}

void raft_node::become_leader() {
  role_ = raft_role::leader;
  leader_ = config_.id;
  votes_.clear();
  transfer_to_.reset();
  reset_timers();
  progress_.clear();
  auto last = log_.last_index();
  for (auto v : config_.voters)
    progress_.emplace(v, progress{last.next(), config_.max_inflight});
  // The leader's own match counts only durable entries; advance() raises it.
  auto& self = progress_.at(config_.id);
  self.maybe_update(log_.unstable().empty() ? last : log_.unstable().front().index.prev());
  self.recent_active = true;
  // An entry of the new term lets earlier-term entries commit (Figure 8).
  append_as_leader(entry_kind::noop, {});
  broadcast_append();
}

void raft_node::start_campaign(bool pre_vote, bool transfer) {
  if (pre_vote)
    become_pre_candidate();
  else
    become_candidate();
  votes_[config_.id] = true;
  if (quorum() == 1) {
    if (pre_vote)
      start_campaign(false, transfer);
    else
      become_leader();
    return;
  }
  for (auto v : config_.voters) {
    if (v == config_.id)
      continue;
    message m;
    m.type = pre_vote ? message_type::pre_vote_request : message_type::vote_request;
    m.to = v;
    m.term = pre_vote ? term_.next() : term_;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    m.transfer = transfer;
    send(std::move(m));
  }
}

void raft_node::campaign() {
  if (role_ != raft_role::leader)
    start_campaign(config_.pre_vote, false);
}

bool raft_node::in_lease() const {
  return config_.check_quorum && leader_.has_value()
         && election_elapsed_ < config_.election_ticks;
}

bool raft_node::step_term(const message& m) {
  bool is_vote = m.type == message_type::vote_request
                 || m.type == message_type::pre_vote_request;
  if (m.term > term_) {
    if (is_vote && !m.transfer && in_lease()) {
      // Our leader looks alive: a disruptive candidate gets no vote and
      // changes nothing here. A pre-vote is refused so it stops asking.
      if (m.type == message_type::pre_vote_request) {
        message r;
        r.type = message_type::pre_vote_reply;
        r.to = m.from;
        r.term = term_;
        r.reject = true;
        send(std::move(r));
      }
      return false;
    }
    if (m.type == message_type::pre_vote_request)
      return true; // never raise our term for a pre-vote
    if (m.type == message_type::pre_vote_reply && !m.reject)
      return true; // a granted pre-vote carries the term we would run at
    bool from_leader = m.type == message_type::append_request
                       || m.type == message_type::heartbeat;
    become_follower(m.term, from_leader ? std::optional<node_id>{m.from} : std::nullopt);
    return true;
  }
  if (m.term < term_) {
    if (m.type == message_type::append_request || m.type == message_type::heartbeat) {
      // Tell a stale leader our term so it steps down; without this a node
      // with a higher term but shorter log would block progress forever.
      message r;
      r.type = message_type::append_reply;
      r.to = m.from;
      r.term = term_;
      send(std::move(r));
    } else if (m.type == message_type::pre_vote_request) {
      message r;
      r.type = message_type::pre_vote_reply;
      r.to = m.from;
      r.term = term_;
      r.reject = true;
      send(std::move(r));
    }
    return false;
  }
  return true;
}

void raft_node::step(const message& m) {
  if (m.from == config_.id || m.to != config_.id
      || !std::binary_search(config_.voters.begin(), config_.voters.end(), m.from))
    return;
  if (!step_term(m))
    return;
  if (m.type == message_type::vote_request || m.type == message_type::pre_vote_request) {
    handle_vote_request(m);
    return;
  }
  switch (role_) {
    case raft_role::leader:
      if (m.type == message_type::append_reply)
        handle_append_reply(m);
      else if (m.type == message_type::heartbeat_reply)
        handle_heartbeat_reply(m);
      return;
    case raft_role::pre_candidate:
    case raft_role::candidate:
      if (m.type == message_type::append_request || m.type == message_type::heartbeat)
        become_follower(term_, m.from);
      else if (m.type == message_type::vote_reply || m.type == message_type::pre_vote_reply)
        handle_vote_reply(m);
      break;
    case raft_role::follower:
      break;
  }
  if (role_ != raft_role::follower)
    return;
  switch (m.type) {
    case message_type::append_request:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_append(m);
      break;
    case message_type::heartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_heartbeat(m);
      break;
    case message_type::timeout_now:
      // Leadership transfer: campaign at once, skipping pre-vote.
      start_campaign(false, true);
      break;
    default:
      break;
  }
}

void raft_node::handle_vote_request(const message& m) {
  bool pre = m.type == message_type::pre_vote_request;
  bool can_vote = voted_for_ == m.from || (!voted_for_ && !leader_)
                  || (pre && m.term > term_);
  message r;
  r.type = pre ? message_type::pre_vote_reply : message_type::vote_reply;
  r.to = m.from;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // Reply at the requested term: a pre-candidate has not raised its own.
    r.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      voted_for_ = m.from;
    }
  } else {
    r.term = term_;
    r.reject = true;
  }
  send(std::move(r));
}

void raft_node::handle_vote_reply(const message& m) {
  bool pre = role_ == raft_role::pre_candidate;
  if (m.type != (pre ? message_type::pre_vote_reply : message_type::vote_reply))
    return;
  if (!m.reject && m.term != (pre ? term_.next() : term_))
    return; // a grant from an earlier campaign
  votes_.emplace(m.from, !m.reject);
  std::size_t granted = 0;
  for (const auto& [_, yes] : votes_)
    granted += yes ? 1 : 0;
  std::size_t rejected = votes_.size() - granted;
  if (granted >= quorum()) {
    if (pre)
      start_campaign(false, false);
    else
      become_leader();
  } else if (config_.voters.size() - rejected < quorum()) {
    become_follower(term_, std::nullopt);
  }
}

void raft_node::tick() {
  if (role_ == raft_role::leader)
    tick_heartbeat();
  else
    tick_election();
}

void raft_node::tick_election() {
  if (++election_elapsed_ >= randomized_timeout_)
    start_campaign(config_.pre_vote, false);
}

void raft_node::tick_heartbeat() {
  ++heartbeat_elapsed_;
  if (++election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      if (!quorum_active()) {
        become_follower(term_, std::nullopt);
        return;
      }
      for (auto& [id, pr] : progress_)
        pr.recent_active = id == config_.id;
    }
    transfer_to_.reset(); // a transfer that did not finish in time is abandoned
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
}

bool raft_node::has_ready() const {
  return hard_state{term_, voted_for_, commit_} != persisted_ || !log_.unstable().empty()
         || !outbox_.empty() || commit_ > applied_;
}

ready raft_node::take_ready() {
  ready rd;
  hard_state hs{term_, voted_for_, commit_};
  if (hs != persisted_)
    rd.state = hs;
  rd.truncate_from = log_.pending_truncation();
  rd.messages = std::move(outbox_);
  outbox_.clear();
  // Committed entries first: on a follower they may still be unstable, and
  // their payloads leave the log below until advance().
  if (commit_ > applied_) {
    auto max = std::numeric_limits<std::size_t>::max();
    rd.committed_entries = config_.committed_payload_bytes == max
                             ? log_.slice(applied_.next(), commit_, max, max)
                             : log_.slice_prefix(applied_.next(), commit_, config_.committed_payload_bytes);
  }
  rd.entries = log_.lend_unstable();
  return rd;
}

void raft_node::advance(ready& rd) {
  if (rd.state)
    persisted_ = *rd.state;
  require(rd.entries.size() == log_.unstable().size());
  log_.mark_stable(std::move(rd.entries));
  if (!rd.committed_entries.empty())
    applied_ = rd.committed_entries.back().index;
  if (role_ == raft_role::leader) {
    // Our own entries count toward a quorum only once durable.
    if (progress_.at(config_.id).maybe_update(log_.last_index()) && maybe_commit())
      broadcast_append();
  }
  release_unneeded();
}

void raft_node::release_unneeded() {
  // Entries applied here and held by every peer are read again only by a
  // peer that loses them (from the storage then). Holding them until the
  // cache bound instead cost a node in `rivulet-bench kafka` a third more
  // CPU: every replica's cache was fresh memory the kernel had to fault in.
  auto unneeded = applied_;
  if (role_ == raft_role::leader)
    for (const auto& [peer, pr] : progress_)
      unneeded = std::min(unneeded, pr.match());
  log_.release_upto(unneeded);
}

const progress* raft_node::progress_of(node_id peer) const {
  auto it = progress_.find(peer);
  return it == progress_.end() ? nullptr : &it->second;
}

} // namespace rivulet::raft
