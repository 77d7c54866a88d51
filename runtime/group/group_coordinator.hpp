#pragma once

// The classic (JoinGroup/SyncGroup) coordinator of one consumer group as a
// deterministic state machine. See runtime/group/README.md for the states
// and how an actor drives it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/group/group_types.hpp"
#include "runtime/group/offset_store.hpp"

namespace rivulet::group {

/// States of a classic group (Kafka's ClassicGroupState).
enum class group_state : std::uint8_t {
  empty,                ///< No members; offsets may still be committed with generation -1.
  preparing_rebalance,  ///< Waiting for members to (re)join.
  completing_rebalance, ///< Joined; waiting for the leader's SyncGroup.
  stable,               ///< Assignment delivered; heartbeats keep members.
  dead,                 ///< Unloaded; every request fails with COORDINATOR_NOT_AVAILABLE.
};

/// Kafka's state name, e.g. "PreparingRebalance".
const char* to_string(group_state s) noexcept;

/// Settings of one group. Times in milliseconds.
struct group_config {
  std::string group_id;
  /// Allowed session timeouts (Kafka's group.min/max.session.timeout.ms).
  std::int32_t min_session_timeout_ms = 6000;
  std::int32_t max_session_timeout_ms = 1800000;
  /// Delay of the first rebalance of an empty group, extended while new
  /// members keep arriving, up to the rebalance timeout. 0 disables it.
  std::int32_t initial_rebalance_delay_ms = 3000;
  /// Members plus members still owing their MEMBER_ID_REQUIRED rejoin.
  std::size_t max_size = SIZE_MAX;
  /// Longest metadata string accepted with a committed offset.
  std::size_t offset_metadata_max_bytes = 4096;
  /// Seeds generated member ids; give each coordinator incarnation (e.g.
  /// each partition leader epoch) its own seed so ids are not reused.
  std::uint64_t member_id_seed = 0;
};

/// One protocol a member can speak (e.g. "range") with its metadata.
struct protocol {
  std::string name;
  bytes metadata;

  friend bool operator==(const protocol& a, const protocol& b) {
    return a.name == b.name && a.metadata == b.metadata;
  }
};

/// A JoinGroup request.
struct join_request {
  /// Empty on a member's first join: the coordinator assigns one.
  std::string member_id;
  /// Static membership id; kept and reported, but members are treated as dynamic.
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = 300000;
  std::string protocol_type;
  /// In the member's order of preference.
  std::vector<protocol> protocols;
  /// JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED and must rejoin
  /// with the id. Older versions join directly with the generated id.
  bool require_known_member_id = true;
};

/// One member as listed to the leader.
struct join_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  /// The member's metadata for the chosen protocol.
  bytes metadata;
};

/// A JoinGroup response.
struct join_response {
  error_code error = error_code::none;
  std::int32_t generation = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader;
  /// The member's id; on MEMBER_ID_REQUIRED the id it must rejoin with.
  std::string member_id;
  /// Every member, in join order, for the leader; empty for the others.
  std::vector<join_member> members;
};

/// A SyncGroup response.
struct sync_response {
  error_code error = error_code::none;
  std::string protocol_type;
  std::string protocol_name;
  /// The member's assignment bytes as the leader sent them.
  bytes assignment;
};

/// Parked requests answered by a later call, in the order they were
/// answered. A member has at most one parked join and one parked sync.
struct completions {
  std::vector<std::pair<std::string, join_response>> joins;
  std::vector<std::pair<std::string, sync_response>> syncs;

  bool empty() const noexcept { return joins.empty() && syncs.empty(); }
};

/// An offset to commit for one partition.
struct offset_commit {
  topic_partition tp;
  std::int64_t offset = -1;
  std::optional<std::string> metadata;
};

/// OffsetCommit outcome: an error per partition (in request order) and the
/// records to append for the accepted ones.
struct offset_commit_result {
  std::vector<std::pair<topic_partition, error_code>> errors;
  std::vector<coordinator_record> records;
};

/// OffsetFetch answer for one partition; offset -1 when nothing is committed.
struct offset_fetch_entry {
  topic_partition tp;
  std::int64_t offset = -1;
  std::optional<std::string> metadata;
  error_code error = error_code::none;
};

/// The coordinator of one consumer group: membership, generations, the
/// leader's assignment, and committed offsets. No I/O, no clock, no threads:
/// the caller (one actor) passes the time to every call and calls tick()
/// periodically. A join or sync that must wait returns no response; its
/// answer later appears in take_completions() — possibly already after the
/// call that parked it — so the caller keeps one pending request per member
/// and kind, and drains take_completions() after every call. Not thread safe.
class group_coordinator {
public:
  explicit group_coordinator(group_config config);

  /// JoinGroup. Returns the answer, or nothing when the join waits for the
  /// rebalance to complete (all members rejoined, or the rebalance timeout).
  std::optional<join_response> join(const join_request& req, std::int64_t now_ms);
  /// SyncGroup. The leader passes every member's assignment; unknown member
  /// ids in `assignments` are ignored and missing members get empty bytes.
  /// Returns nothing while the member waits for the leader's sync.
  std::optional<sync_response> sync(const std::string& member_id, std::int32_t generation,
                                    const std::vector<std::pair<std::string, bytes>>& assignments,
                                    std::int64_t now_ms);
  /// Heartbeat: NONE, REBALANCE_IN_PROGRESS (rejoin), ILLEGAL_GENERATION,
  /// UNKNOWN_MEMBER_ID or COORDINATOR_NOT_AVAILABLE.
  error_code heartbeat(const std::string& member_id, std::int32_t generation, std::int64_t now_ms);
  /// LeaveGroup for one member; a known member's departure rebalances.
  error_code leave(const std::string& member_id, std::int64_t now_ms);
  /// Expires sessions and pending members, ends the initial delay, and
  /// completes a rebalance whose timeout passed. Call at least every few
  /// hundred ms; answers appear in take_completions().
  void tick(std::int64_t now_ms);
  /// The answers to parked requests since the last call.
  completions take_completions();
  /// Marks the group dead (the coordinator lost its partition): parked
  /// requests are answered NOT_COORDINATOR and later ones fail.
  void unload();

  /// OffsetCommit. `generation` -1 with an empty member id is a manual
  /// (assign) consumer or an admin and is accepted only while the group is
  /// Empty. The caller appends `records` and answers after they commit.
  offset_commit_result commit_offsets(const std::string& member_id, std::int32_t generation,
                                      const std::vector<offset_commit>& offsets, std::int64_t now_ms);
  /// OffsetFetch of `partitions`, or of every committed partition when absent.
  std::vector<offset_fetch_entry>
  fetch_offsets(const std::optional<std::vector<topic_partition>>& partitions) const;
  /// OffsetDelete (only while Empty, else NON_EMPTY_GROUP): tombstones to append.
  std::pair<error_code, std::vector<coordinator_record>>
  delete_offsets(const std::vector<topic_partition>& partitions);
  /// Applies a record read back from the internal topic (on load).
  decode_result<offset_record> replay(const coordinator_record& r) { return offsets_.replay(r); }
  const offset_store& offsets() const noexcept { return offsets_; }

  group_state state() const noexcept { return state_; }
  std::int32_t generation() const noexcept { return generation_; }
  /// Empty while the group has no members.
  const std::string& leader() const noexcept { return leader_; }
  const std::string& protocol_type() const noexcept { return protocol_type_; }
  /// The protocol chosen for the current generation; empty while Empty.
  const std::string& protocol_name() const noexcept { return protocol_name_; }
  /// Member ids in join order.
  std::vector<std::string> member_ids() const;
  bool has_member(const std::string& member_id) const { return members_.count(member_id) > 0; }
  /// The member's assignment from the last completed sync.
  std::optional<bytes> assignment_of(const std::string& member_id) const;
  const group_config& config() const noexcept { return config_; }

private:
  struct member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::int32_t session_timeout_ms = 0;
    std::int32_t rebalance_timeout_ms = 0;
    std::vector<protocol> protocols;
    bytes assignment;
    bool awaiting_join = false;
    bool awaiting_sync = false;
    std::int64_t session_deadline_ms = 0;
    std::uint64_t join_seq = 0;
  };
  /// A member that got MEMBER_ID_REQUIRED and has not rejoined yet.
  struct pending_member {
    std::int64_t deadline_ms = 0;
  };

  error_code validate_join(const join_request& req) const;
  std::optional<join_response> join_new(const join_request& req, std::int64_t now_ms);
  std::optional<join_response> join_known(const join_request& req, std::int64_t now_ms);
  std::string next_member_id(const std::string& client_id);
  void add_member(const join_request& req, const std::string& id, std::int64_t now_ms);
  void update_member(member& m, const join_request& req, std::int64_t now_ms);
  void remove_member(const std::string& id, error_code parked_error);
  void remove_and_rebalance(const std::string& id, std::int64_t now_ms);
  void maybe_prepare_rebalance(std::int64_t now_ms);
  void prepare_rebalance(std::int64_t now_ms);
  void try_complete_join(std::int64_t now_ms);
  void complete_join(std::int64_t now_ms);
  std::string select_protocol() const;
  join_response current_join_response(const member& m) const;
  bool supports_protocols(const join_request& req) const;
  void complete_sync(member& m, error_code e);
  void expire(std::int64_t now_ms);

  group_config config_;
  group_state state_ = group_state::empty;
  std::int32_t generation_ = 0;
  std::string leader_;
  std::string protocol_type_;
  std::string protocol_name_;
  std::map<std::string, member> members_;
  std::map<std::string, pending_member> pending_;
  std::uint64_t next_join_seq_ = 0;
  std::uint64_t member_id_counter_ = 0;

  /// PreparingRebalance: when the join phase ends regardless of stragglers.
  std::int64_t rebalance_deadline_ms_ = 0;
  /// Initial delay of a rebalance that started from Empty.
  bool in_initial_delay_ = false;
  std::int64_t initial_delay_deadline_ms_ = 0;
  std::int64_t initial_delay_remaining_ms_ = 0;
  bool new_member_during_delay_ = false;
  /// CompletingRebalance/Stable: members that must sync before the deadline.
  std::vector<std::string> pending_sync_;
  std::int64_t pending_sync_deadline_ms_ = 0;

  completions done_;
  offset_store offsets_;
};

} // namespace rivulet::group
