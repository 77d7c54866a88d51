#pragma once

#include <cstddef>
#include <deque>

#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

/// How the leader currently feeds one follower.
enum class progress_state : std::uint8_t {
  /// Next index unknown: one append at a time until the follower accepts.
  probe,
  /// Follower is in sync: appends are pipelined up to the inflight limit.
  replicate,
};

/// The leader's view of one follower (or of itself). Owned by the leader's
/// raft_node; discarded when it stops leading.
class progress {
public:
  progress(log_index next, std::size_t max_inflight)
    : next_(next), max_inflight_(max_inflight) {
  }

  log_index match() const {
    return match_;
  }
  log_index next() const {
    return next_;
  }
  progress_state state() const {
    return state_;
  }
  /// Whether the follower answered since the last check-quorum round.
  bool recent_active = false;

  /// No more appends may go out until a reply (probe) or until inflight
  /// messages are acknowledged (replicate).
  bool is_paused() const;
  /// Records an accepted append up to `index`; false if it was stale.
  bool maybe_update(log_index index);
  /// Handles a rejected append of `rejected` (its previous index) with the
  /// leader-side conflict hint `hint`; false if the rejection was stale.
  bool maybe_decrement(log_index rejected, log_index hint);
  /// Records an append carrying entries up to `last` (none: last == next - 1).
  void sent_append(log_index last, bool had_entries);
  /// A heartbeat reply arrived: lets a paused probe retry, and frees one
  /// inflight slot of a replicate stream that may have lost a message.
  void heartbeat_replied();

  void become_probe();
  void become_replicate();

private:
  log_index match_;
  log_index next_;
  progress_state state_ = progress_state::probe;
  bool probe_sent_ = false;
  std::size_t max_inflight_;
  // Last index of each append in flight, ascending (replicate state).
  std::deque<log_index> inflight_;
};

} // namespace rivulet::raft
