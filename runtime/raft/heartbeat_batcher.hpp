#pragma once

#include <map>
#include <vector>

#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

/// One group's heartbeat (or heartbeat reply) without the message envelope.
struct group_heartbeat {
  group_id group;
  /// heartbeat or heartbeat_reply.
  message_type type = message_type::heartbeat;
  term_id term;
  /// heartbeat: the leader's commit index capped at the follower's match.
  log_index commit;

  friend bool operator==(const group_heartbeat& a, const group_heartbeat& b) {
    return a.group == b.group && a.type == b.type && a.term == b.term
           && a.commit == b.commit;
  }
};

/// Every heartbeat one node sends another in one round: one network message
/// instead of one per group (heartbeats otherwise grow as groups x peers).
struct coalesced_heartbeats {
  node_id from;
  node_id to;
  std::vector<group_heartbeat> items;
};

/// A raft message tagged with the group it belongs to.
struct group_message {
  group_id group;
  message msg;
};

/// Node-level coalescing of heartbeats across the raft groups of one node.
/// The node's driver calls collect() with each group's ready messages, sends
/// the rest as usual, and sends flush() once per round. The receiving node
/// calls split() and steps each group's message. Not thread safe.
class heartbeat_batcher {
public:
  /// Moves the heartbeats and heartbeat replies of group `group` out of
  /// `messages`, leaving the other messages in their order.
  void collect(group_id group, std::vector<message>& messages);
  /// One message per (from, to) pair holding all collected heartbeats, in
  /// destination order; empties the batcher.
  std::vector<coalesced_heartbeats> flush();
  /// Number of heartbeats waiting for flush().
  std::size_t pending() const;
  /// The per-group raft messages a coalesced message stands for.
  static std::vector<group_message> split(const coalesced_heartbeats& batch);

private:
  std::map<std::pair<node_id, node_id>, std::vector<group_heartbeat>> by_route_;
};

} // namespace rivulet::raft
