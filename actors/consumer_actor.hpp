#pragma once

// Internal to the consumer: the state of its actor, shared by the fetch
// side (consumer_actor.cpp) and the group membership (consumer_group.cpp).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/client_metadata.hpp"
#include "actors/consumer_shared.hpp"

namespace rivulet::actors::detail {

using steady_time = std::chrono::steady_clock::time_point;

/// The consumer's membership of its group (subscribe mode).
struct group_membership {
  enum class phase { none, joining, syncing, stable };
  phase state = phase::none;
  std::string member_id;
  std::int32_t generation = -1;
  /// The subscription in use and the shared membership_version it came from.
  std::vector<std::string> topics;
  std::uint64_t version = 0;
  /// Bumped whenever the membership restarts: answers and heartbeat timers
  /// of an older epoch are ignored.
  std::uint64_t epoch = 0;
  /// Partitions the group gave this member (cooperative rebalancing
  /// reports them when rejoining).
  std::vector<topic_partition> owned;
  /// No join before this (after an error).
  steady_time retry_at{};
};

/// A fetch or position probe waiting for a leader's answer.
struct pending_read {
  caf::actor_addr node;
  std::uint64_t epoch = 0;  // of the partition's slot
  std::uint64_t id = 0;
};

struct consumer_actor_state {
  static inline const char* name = "rivulet.consumer";
  consumer_config cfg;
  std::shared_ptr<consumer_shared> shared;
  std::optional<client_metadata> metadata;
  bool metadata_in_flight = false;
  bool metadata_wanted = false;
  steady_time next_metadata_at{};
  /// The group's coordinator, once found.
  caf::actor coordinator;
  bool coordinator_lookup = false;
  steady_time next_coordinator_at{};
  group_membership group;
  bool offsets_lookup = false;
  bool commit_in_flight = false;
  bool lookup_in_flight = false;
  /// The read in flight per partition, and the nodes they wait at, which
  /// the actor monitors: a fetch parked at a leader (a long poll) gets no
  /// answer when the leader's node dies, and would hold its partition until
  /// its request timeout.
  std::map<topic_partition, pending_read> reads;
  std::uint64_t last_read_id = 0;
  std::set<caf::actor_addr> watched_nodes;
  std::optional<steady_time> timer_at;
  bool leaving = false;
};

using consumer_actor = caf::stateful_actor<consumer_actor_state>;

steady_time steady_now();
/// Runs every step that may be due: membership, positions, fetches, jobs.
void pump(consumer_actor* self);
/// Wakes the actor at `due` (keeps an earlier wakeup).
void wake_at(consumer_actor* self, steady_time due);
/// Asks for all topics' metadata when wanted and allowed by the backoff.
void refresh_metadata(consumer_actor* self);
/// Looks up the group's coordinator unless known or being looked up.
void find_coordinator(consumer_actor* self);
/// A coordinator error (14, 15, 16) or a failed request: look it up again.
void forget_coordinator(consumer_actor* self);
/// Whether a Kafka error code means "ask another coordinator".
bool coordinator_moved(std::int16_t code);

// consumer_jobs.cpp
/// Runs commit and committed-offset jobs; answers expired ones.
void run_jobs(consumer_actor* self);

// consumer_group.cpp
/// Starts, restarts or ends the membership to match the shared subscription.
void sync_membership(consumer_actor* self);
/// Heartbeat timer of membership epoch `epoch`.
void heartbeat(consumer_actor* self, std::uint64_t epoch);
/// The coordinator actor went down: a join or sync waiting on it restarts.
void coordinator_lost(consumer_actor* self);
/// Leaves the group (if a member) and then quits with `reason`.
void leave_and_quit(consumer_actor* self, caf::error reason);

} // namespace rivulet::actors::detail
