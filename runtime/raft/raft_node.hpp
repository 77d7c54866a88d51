#pragma once

#include <cstddef>
#include <limits>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/raft/raft_log.hpp"
#include "runtime/raft/raft_log_storage.hpp"
#include "runtime/raft/raft_progress.hpp"
#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

/// Static settings of one replica. Times are in ticks of the caller's clock.
struct raft_config {
  node_id id;
  /// Every voter of the group, including `id`.
  std::vector<node_id> voters;
  /// Base election timeout T; each node waits a random timeout in [T, 2T).
  int election_ticks = 10;
  /// A leader sends heartbeats every H ticks; H < T.
  int heartbeat_ticks = 2;
  /// Batching limits of one append_request.
  std::size_t max_entries_per_message = 64;
  std::size_t max_bytes_per_message = 1 << 20;
  /// Appends in flight per follower in replicate state.
  std::size_t max_inflight = 8;
  /// Ask for a pre-vote at term + 1 before a real campaign.
  bool pre_vote = true;
  /// A leader steps down when a majority was silent for an election timeout,
  /// and followers ignore votes while their leader looks alive.
  bool check_quorum = true;
  /// Seed of the election-timeout randomization.
  std::uint64_t seed = 1;
  /// ready::committed_entries carry at most this many bytes of each
  /// payload (a caller that reads entries from its own storage needs only
  /// their headers; copying megabytes per entry again costs).
  std::size_t committed_payload_bytes = std::numeric_limits<std::size_t>::max();
};

/// Role of a replica.
enum class raft_role : std::uint8_t { follower, pre_candidate, candidate, leader };

/// One replica of one raft group as a deterministic state machine: no I/O,
/// no clocks, no threads. The caller drives it with step() for messages,
/// tick() for time and propose() for client data, and after each such call
/// drains ready():
///   1. persist `ready.state` and apply `ready.truncate_from`/`ready.entries`
///      to storage (persist_entries), and make both durable;
///   2. only then send `ready.messages` (a vote or an acknowledgement sent
///      before its state is durable could be forgotten by a crash);
///   3. apply `ready.committed_entries` in order;
///   4. call advance(ready).
/// No step/tick/propose/ready may happen between ready() and advance().
/// Not thread safe. The storage must outlive the node.
class raft_node {
public:
  /// Restores a replica from `storage` and its last persisted `state`;
  /// `applied` is the last index the caller's state machine already holds.
  raft_node(raft_config config, const raft_log_storage& storage,
            hard_state state = {}, log_index applied = {});

  /// Handles one message addressed to this node.
  void step(const message& m);
  /// Advances the logical clock by one tick.
  void tick();
  /// Appends `payload` if this node leads and no transfer is running.
  propose_result propose(std::string payload);
  /// Starts an election now (pre-vote first when enabled); a no-op on a leader.
  void campaign();
  /// Leader only: hands leadership to `to` once it is up to date. Proposals
  /// are refused until the transfer ends or times out (one election timeout).
  /// Returns false if this node does not lead or `to` is not another voter.
  bool transfer_leadership(node_id to);

  /// True if ready() would return a non-empty bundle.
  bool has_ready() const;
  /// Collects the output since the last advance(); see the class comment.
  ready take_ready();
  /// Confirms that `rd` (from the latest take_ready) was persisted and applied.
  /// Takes back `rd.entries` (their payloads were lent, not copied).
  void advance(ready& rd);

  node_id id() const {
    return config_.id;
  }
  raft_role role() const {
    return role_;
  }
  term_id term() const {
    return term_;
  }
  std::optional<node_id> leader() const {
    return leader_;
  }
  log_index commit_index() const {
    return commit_;
  }
  log_index applied_index() const {
    return applied_;
  }
  log_index last_index() const {
    return log_.last_index();
  }
  std::optional<node_id> transfer_target() const {
    return transfer_to_;
  }
  /// The leader's progress for `peer`; nullptr when not leading.
  const progress* progress_of(node_id peer) const;
  /// Bytes of persisted entries this replica holds in memory for peers that
  /// do not have them yet (bounded by raft_log::recent_cache_bytes).
  std::size_t cached_entry_bytes() const {
    return log_.cached_bytes();
  }
  const raft_log& log() const {
    return log_;
  }

private:
  // Elections (raft_node.cpp).
  void become_follower(term_id term, std::optional<node_id> leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void start_campaign(bool pre_vote, bool transfer);
  void handle_vote_request(const message& m);
  void handle_vote_reply(const message& m);
  bool step_term(const message& m);
  void tick_election();
  void tick_heartbeat();
  void reset_timers();
  bool in_lease() const;
  std::size_t quorum() const {
    return config_.voters.size() / 2 + 1;
  }
  void send(message m);

  // Replication (raft_replication.cpp).
  void handle_append(const message& m);
  void handle_heartbeat(const message& m);
  void handle_append_reply(const message& m);
  void handle_heartbeat_reply(const message& m);
  bool send_append(node_id to, bool send_if_empty);
  void broadcast_append();
  void broadcast_heartbeat();
  bool maybe_commit();
  void commit_to(log_index index);
  void append_as_leader(entry_kind kind, std::string payload);
  bool quorum_active() const;
  void maybe_finish_transfer(node_id peer);
  /// Drops cached entries that are applied here and, on a leader, held by
  /// every peer.
  void release_unneeded();

  raft_config config_;
  raft_log log_;
  std::uint64_t rng_state_;

  raft_role role_ = raft_role::follower;
  term_id term_;
  std::optional<node_id> voted_for_;
  std::optional<node_id> leader_;
  log_index commit_;
  log_index applied_;
  hard_state persisted_;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;

  std::map<node_id, bool> votes_;
  std::map<node_id, progress> progress_;
  std::optional<node_id> transfer_to_;
  std::vector<message> outbox_;
};

} // namespace rivulet::raft
