#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "runtime/raft/raft_log_storage.hpp"
#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

/// A replica's view of its log: the durable entries in a raft_log_storage
/// plus a tail of unstable entries (appended by raft, not yet persisted by
/// the caller). Internal to raft_node; reads the storage, never writes it.
class raft_log {
public:
  /// `storage` must outlive this object.
  explicit raft_log(const raft_log_storage& storage) : storage_(&storage) {
  }

  log_index last_index() const;
  term_id last_term() const;
  /// Term at `index`, nullopt past the end or before the first entry.
  std::optional<term_id> term_at(log_index index) const;
  /// True if the entry at `index` has term `term` (index 0 matches term 0).
  bool matches(log_index index, term_id term) const {
    return term_at(index) == term;
  }
  /// True if a log ending at (last_index, last_term) is at least as up to
  /// date as this one (raft §5.4.1).
  bool is_up_to_date(log_index last, term_id term) const;

  /// Leader append: `entries` continue the log at last_index() + 1.
  void append(const std::vector<log_entry>& entries);
  /// Leader append of one entry, moved in (no copy of its payload).
  void append(log_entry&& entry);
  /// Index of the first entry of `entries` that is new or has another term
  /// here; nullopt if all of them are already present.
  std::optional<log_index> find_conflict(const std::vector<log_entry>& entries) const;
  /// Replaces everything from entries.front().index on with `entries`.
  /// Precondition: entries.front().index <= last_index() + 1.
  void truncate_and_append(std::vector<log_entry> entries);
  /// Largest index <= `index` whose term is <= `term` (0 if none): the
  /// conflict hint a follower sends, and the leader's answer to it.
  log_index find_conflict_by_term(log_index index, term_id term) const;

  /// Entries in [from, to], at most `max_count` and about `max_bytes`, at
  /// least one when the range is not empty.
  std::vector<log_entry> slice(log_index from, log_index to, std::size_t max_bytes,
                               std::size_t max_count) const;
  /// slice() of [from, to] without limits, each payload cut to its first
  /// `payload_bytes` bytes (entries kept in memory are not copied whole).
  std::vector<log_entry> slice_prefix(log_index from, log_index to, std::size_t payload_bytes) const;

  /// Entries not yet persisted, contiguous.
  const std::vector<log_entry>& unstable() const {
    return unstable_;
  }
  /// Index from which the storage must be truncated before appending unstable().
  std::optional<log_index> pending_truncation() const {
    return truncate_from_;
  }
  /// The unstable tail for the caller to persist, its payloads moved out
  /// (not copied): until mark_stable() gets them back, the unstable entries
  /// here have empty payloads, so nothing may read them (raft_node's
  /// contract: no step, tick or propose between ready and advance).
  std::vector<log_entry> lend_unstable();
  /// Marks the unstable tail as persisted (the caller applied it to
  /// storage), taking back the payloads lend_unstable() handed out. The
  /// newest persisted entries stay in memory (up to recent_cache_bytes, and
  /// until release_upto) so that slice() serves them without reading the
  /// storage: followers' appends and the committed entries a replica applies
  /// come from there.
  void mark_stable(std::vector<log_entry>&& lent);
  /// Drops the in-memory copies of entries up to `index`: no one will read
  /// them from here again (every peer has them and they are applied). A
  /// later read of them goes to the storage.
  void release_upto(log_index index);
  /// Bytes (entry_size_bytes) of persisted entries held in memory now.
  std::size_t cached_bytes() const {
    return recent_bytes_;
  }

  /// Bytes (entry_size_bytes) of persisted entries kept in memory at most,
  /// for peers that fall behind; entries every peer has are dropped sooner
  /// (release_upto).
  static constexpr std::size_t recent_cache_bytes = std::size_t{8} << 20;

private:
  /// mark_stable() once the payloads are back.
  void mark_stable();

  const raft_log_storage* storage_;
  // The newest persisted entries, contiguous and ending at the storage's
  // last index (the caller changes the storage only as told by ready
  // bundles, which mark_stable() mirrors).
  std::deque<log_entry> recent_;
  std::size_t recent_bytes_ = 0;
  // Invariant: if truncate_from_ is set, unstable_ starts at it.
  std::vector<log_entry> unstable_;
  std::optional<log_index> truncate_from_;
};

} // namespace rivulet::raft
