#pragma once

// Raft safety checked on the wire of a simulated cluster. The simulation
// shows the checker every raft message a replica hands to its node (and the
// replica views nodes gossip) just before the message is processed, so the
// checks run after every step without reaching into actor state:
//  - election safety: at most one node acts as leader (appends, heartbeats,
//    timeout_now, a self-naming view) in any (group, term);
//  - one vote per term: a voter grants its vote to one candidate per term;
//  - log matching: entries sent with the same (group, index, term) are equal;
//  - committed entries never change: once a leader's commit index covers an
//    entry it sent, no later leader may commit another entry at that index.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/node_messages.hpp"
#include "runtime/raft/raft_types.hpp"

namespace rivulet::testing {

class raft_wire_checker {
public:
  /// Outgoing messages of one replica of `group` (an outbound_raft).
  void observe(std::int64_t group, const std::vector<raft::message>& msgs);
  /// A replica's view as gossiped between nodes (part of a replica_report).
  void observe(const actors::replica_view& v);

  /// What broke, one line each, in the order seen; empty while all holds.
  const std::vector<std::string>& violations() const noexcept { return violations_; }
  /// The node leading `group` in the highest term seen so far; 0 if none.
  std::int64_t leader(std::int64_t group) const;

  struct counters {
    std::uint64_t messages = 0;
    std::uint64_t terms_with_leader = 0;
    std::uint64_t votes_granted = 0;
    std::uint64_t entries_committed = 0;
  };
  counters stats() const noexcept { return stats_; }

private:
  /// An entry as far as the checks need it.
  struct digest {
    std::uint64_t term = 0;
    std::size_t hash = 0;
    friend bool operator==(const digest& a, const digest& b) { return a.term == b.term && a.hash == b.hash; }
  };
  struct group_state {
    std::map<std::uint64_t, std::int64_t> leader_of_term;
    /// (term, voter) -> candidate.
    std::map<std::pair<std::uint64_t, std::int64_t>, std::int64_t> votes;
    /// Entries the leader of a term sent: term -> index -> entry.
    std::map<std::uint64_t, std::map<std::uint64_t, digest>> sent;
    /// Highest commit index of each term's leader already applied to `committed`.
    std::map<std::uint64_t, std::uint64_t> commit_done;
    /// index -> the entry committed there.
    std::map<std::uint64_t, digest> committed;
    /// (index, entry term) -> payload hash, for log matching.
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> known;
  };

  void claim_leader(std::int64_t group, std::uint64_t term, std::int64_t node, const char* how);
  void leader_commit(std::int64_t group, std::uint64_t term, std::uint64_t commit);
  void fail(std::string what);

  std::map<std::int64_t, group_state> groups_;
  std::vector<std::string> violations_;
  counters stats_;
};

} // namespace rivulet::testing
