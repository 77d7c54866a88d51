#pragma once

// Messages of the topic store's partition actors (see docs/protocol.md):
// raft traffic between the replicas of a partition, and produce / fetch /
// leader queries from clients. inspect() overloads for the raft types live
// here so that runtime/raft stays CAF-free.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

template <class Inspector, class Tag, class Rep>
typename Inspector::result_type inspect(Inspector& f, strong_id<Tag, Rep>& x) {
  return f(x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_entry& x) {
  auto kind = static_cast<std::uint8_t>(x.kind);
  auto load = [&]() -> caf::error {
    x.kind = static_cast<entry_kind>(kind);
    return caf::none;
  };
  return f(caf::meta::type_name("log_entry"), x.term, x.index, kind, x.payload, caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message& x) {
  auto type = static_cast<std::uint8_t>(x.type);
  auto load = [&]() -> caf::error {
    x.type = static_cast<message_type>(type);
    return caf::none;
  };
  return f(caf::meta::type_name("raft_message"), type, x.from, x.to, x.term, x.index, x.log_term, x.entries,
           x.commit, x.reject, x.reject_hint, x.hint_term, x.transfer, caf::meta::load_callback(load));
}

} // namespace rivulet::raft

namespace rivulet::actors {

/// Raft traffic between two replicas of partition group `group`.
struct raft_envelope {
  std::int64_t group = 0;
  raft::message msg;
};

/// The replicas of a group, by raft node id, for a partition actor to reach.
struct peers_msg {
  std::vector<std::int64_t> ids;
  std::vector<caf::actor> replicas;
};

/// Appends one Kafka v2 batch. acks: 0 = reply at once, 1 = after the
/// leader persisted it, -1 (all) = after a majority committed it.
/// With `marker`, the batch is a transaction marker written by a
/// transaction coordinator (never set for client data; see
/// state::partition_replica::produce).
struct produce_request {
  std::string batch;
  std::int16_t acks = -1;
  bool marker = false;
};

/// Outcome of a produce: offsets on success; else the error text and, for
/// "not leader", the leader's node id (0 = unknown) to retry at.
struct produce_reply {
  bool ok = false;
  std::int64_t base_offset = -1;
  std::int64_t last_offset = -1;
  std::string error;
  std::int64_t leader = 0;
};

/// Reads batches from `offset`, below the high watermark.
/// Long poll: with max_wait_ms > 0 and nothing to return yet, the answer
/// waits until data commits or the time is up (then it comes back empty).
/// With `read_committed`, below the last stable offset instead.
/// With `lookup_timestamp`, no batches: the reply's found_offset and
/// found_timestamp name the first committed record with a timestamp >=
/// `timestamp` (ListOffsets by time; -1 when there is none).
struct fetch_request {
  std::int64_t offset = 0;
  std::int32_t max_bytes = 1 << 20;
  std::int32_t max_wait_ms = 0;
  bool read_committed = false;
  bool lookup_timestamp = false;
  std::int64_t timestamp = 0;
};

struct fetch_reply {
  bool ok = false;
  std::string batches;
  std::int64_t high_watermark = 0;
  std::string error;
  /// The replica's log start offset (for offset_out_of_range resets).
  std::int64_t log_start = 0;
  /// Kafka's last stable offset (= high_watermark with no open transaction).
  std::int64_t last_stable_offset = 0;
  /// read_committed only: the aborted transactions overlapping the batches
  /// returned, as pairs (producer id, first offset), oldest first.
  std::vector<std::int64_t> aborted;
  /// lookup_timestamp only.
  std::int64_t found_offset = -1;
  std::int64_t found_timestamp = -1;
};

/// A replica's view of its group: its id, the leader it knows (0 = none),
/// its term and high watermark.
struct replica_status {
  std::int64_t id = 0;
  std::int64_t leader = 0;
  std::uint64_t term = 0;
  std::int64_t high_watermark = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_envelope& x) {
  return f(caf::meta::type_name("raft_envelope"), x.group, x.msg);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peers_msg& x) {
  return f(caf::meta::type_name("peers_msg"), x.ids, x.replicas);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, produce_request& x) {
  return f(caf::meta::type_name("produce_request"), x.batch, x.acks, x.marker);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, produce_reply& x) {
  return f(caf::meta::type_name("produce_reply"), x.ok, x.base_offset, x.last_offset, x.error, x.leader);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(caf::meta::type_name("fetch_request"), x.offset, x.max_bytes, x.max_wait_ms, x.read_committed,
           x.lookup_timestamp, x.timestamp);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_reply& x) {
  return f(caf::meta::type_name("fetch_reply"), x.ok, x.batches, x.high_watermark, x.error, x.log_start,
           x.last_stable_offset, x.aborted, x.found_offset, x.found_timestamp);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_status& x) {
  return f(caf::meta::type_name("replica_status"), x.id, x.leader, x.term, x.high_watermark);
}

} // namespace rivulet::actors
