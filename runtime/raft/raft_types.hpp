#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivulet::raft {

/// A named integer: ids of different kinds do not mix or convert silently.
/// `Tag` only distinguishes the types; `Rep` is the stored representation.
template <class Tag, class Rep>
struct strong_id {
  Rep value{};

  constexpr strong_id() = default;
  constexpr explicit strong_id(Rep v) : value(v) {
  }
  /// The id that follows this one (index + 1, term + 1).
  constexpr strong_id next() const {
    return strong_id{value + 1};
  }
  /// The id before this one; the caller ensures `value > 0` for unsigned reps.
  constexpr strong_id prev() const {
    return strong_id{value - 1};
  }

  friend constexpr bool operator==(strong_id a, strong_id b) {
    return a.value == b.value;
  }
  friend constexpr bool operator!=(strong_id a, strong_id b) {
    return a.value != b.value;
  }
  friend constexpr bool operator<(strong_id a, strong_id b) {
    return a.value < b.value;
  }
  friend constexpr bool operator<=(strong_id a, strong_id b) {
    return a.value <= b.value;
  }
  friend constexpr bool operator>(strong_id a, strong_id b) {
    return a.value > b.value;
  }
  friend constexpr bool operator>=(strong_id a, strong_id b) {
    return a.value >= b.value;
  }
};

/// A replica's node; 0 is reserved for "none".
using node_id = strong_id<struct node_id_tag, std::int64_t>;
/// A raft term; 0 is the term before any election.
using term_id = strong_id<struct term_id_tag, std::uint64_t>;
/// A position in the raft log; entries start at 1, index 0 is the empty prefix.
using log_index = strong_id<struct log_index_tag, std::uint64_t>;
/// One raft group (one partition replica set) on a node.
using group_id = strong_id<struct group_id_tag, std::int64_t>;

/// What a log entry carries. `noop` is the empty entry a new leader appends
/// to commit earlier terms; the caller's state machine skips it.
enum class entry_kind : std::uint8_t { normal, noop };

/// One raft log entry. Later stored as one Kafka batch whose leader-epoch
/// field holds `term`.
struct log_entry {
  term_id term;
  log_index index;
  entry_kind kind = entry_kind::normal;
  std::string payload;

  friend bool operator==(const log_entry& a, const log_entry& b) {
    return a.term == b.term && a.index == b.index && a.kind == b.kind
           && a.payload == b.payload;
  }
  friend bool operator!=(const log_entry& a, const log_entry& b) {
    return !(a == b);
  }
};

/// Payload bytes used for batching limits (the payload plus a fixed header).
inline std::size_t entry_size_bytes(const log_entry& e) {
  return e.payload.size() + 32;
}

/// State that must be durable before any message of the same ready bundle
/// leaves the node: losing it could let a node vote twice in one term.
struct hard_state {
  term_id term;
  std::optional<node_id> voted_for;
  log_index commit;

  friend bool operator==(const hard_state& a, const hard_state& b) {
    return a.term == b.term && a.voted_for == b.voted_for && a.commit == b.commit;
  }
  friend bool operator!=(const hard_state& a, const hard_state& b) {
    return !(a == b);
  }
};

/// Kinds of raft messages between replicas of one group.
enum class message_type : std::uint8_t {
  pre_vote_request,
  pre_vote_reply,
  vote_request,
  vote_reply,
  append_request,
  append_reply,
  heartbeat,
  heartbeat_reply,
  timeout_now,
};

/// Human-readable name of `t`, for test output and logs.
const char* to_string(message_type t);

/// One raft message. A flat aggregate: each type uses the fields listed.
struct message {
  message_type type = message_type::heartbeat;
  node_id from;
  node_id to;
  /// Sender's term; for pre-votes the term the sender would campaign at.
  term_id term;

  /// append_request: index/term of the entry before `entries`.
  /// vote requests: index/term of the candidate's last entry.
  log_index index;
  term_id log_term;
  /// append_request: entries to append after `index`.
  std::vector<log_entry> entries;
  /// append_request, heartbeat: the leader's commit index (capped for heartbeats).
  log_index commit;

  /// Replies: request refused (vote not granted, append did not match).
  bool reject = false;
  /// append_reply on reject: the follower's guess of the last index that may
  /// match, with its term, so the leader can back up a whole term at once.
  /// On accept `index` is the last index known to match the leader.
  log_index reject_hint;
  term_id hint_term;

  /// vote_request: campaign started by a leadership transfer; followers grant
  /// it even while their current leader looks alive.
  bool transfer = false;
};

/// Output of a raft_node for its caller. See raft_node::ready().
struct ready {
  /// Set when term, vote or commit changed since the last persisted state.
  std::optional<hard_state> state;
  /// Set when the caller must first drop every stored entry with index >= it.
  std::optional<log_index> truncate_from;
  /// Entries to append to storage after the truncation, contiguous.
  std::vector<log_entry> entries;
  /// Messages to send, only once `state` and `entries` are durable.
  std::vector<message> messages;
  /// Committed entries to apply, in order, once `entries` are durable.
  std::vector<log_entry> committed_entries;

  bool empty() const {
    return !state && !truncate_from && entries.empty() && messages.empty()
           && committed_entries.empty();
  }
};

/// Outcome of raft_node::propose.
enum class propose_status : std::uint8_t {
  accepted,
  not_leader,
  transfer_in_progress,
};

/// Result of raft_node::propose: where the entry went, or why it was refused.
struct propose_result {
  propose_status status = propose_status::not_leader;
  /// Index given to the entry when accepted.
  log_index index;
  /// The leader this node knows of, if any, for redirecting the client.
  std::optional<node_id> leader;

  bool accepted() const {
    return status == propose_status::accepted;
  }
};

} // namespace rivulet::raft
