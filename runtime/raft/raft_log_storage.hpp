#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "runtime/raft/raft_types.hpp"

namespace rivulet::raft {

/// The durable raft log of one replica, as the raft_node reads it. The node
/// never writes it: the caller applies each ready bundle's truncation and
/// entries (see persist_entries) and makes them durable before advance().
/// Implementations: in_memory_log (tests); later a segment log storing each
/// entry as one Kafka batch with the term in the leader-epoch field.
/// Not thread safe; owned by the caller of the raft_node that reads it.
class raft_log_storage {
public:
  virtual ~raft_log_storage() = default;

  /// Appends `entries`; the first must have index last_index() + 1 and the
  /// rest must follow contiguously.
  virtual void append(const std::vector<log_entry>& entries) = 0;
  /// Drops every entry with index >= `from` (no-op when past the end).
  virtual void truncate_suffix(log_index from) = 0;
  /// Term of the entry at `index`; term 0 for index 0; nullopt outside
  /// [first_index() - 1, last_index()].
  virtual std::optional<term_id> term_at(log_index index) const = 0;
  /// Entries in [from, to], stopping once `max_bytes` (entry_size_bytes) is
  /// exceeded, but always at least one when the range is not empty.
  /// Precondition: first_index() <= from and to <= last_index().
  virtual std::vector<log_entry> entries(log_index from, log_index to,
                                         std::size_t max_bytes) const
    = 0;
  /// Index of the last entry; first_index() - 1 when empty.
  virtual log_index last_index() const = 0;
  /// Index of the first entry held (1 until compaction exists).
  virtual log_index first_index() const = 0;
};

/// A raft_log_storage in a vector, for tests and the simulator.
class in_memory_log final : public raft_log_storage {
public:
  void append(const std::vector<log_entry>& entries) override;
  void truncate_suffix(log_index from) override;
  std::optional<term_id> term_at(log_index index) const override;
  std::vector<log_entry> entries(log_index from, log_index to,
                                 std::size_t max_bytes) const override;
  log_index last_index() const override {
    return log_index{entries_.size()};
  }
  log_index first_index() const override {
    return log_index{1};
  }
  /// All entries, index i at position i - 1.
  const std::vector<log_entry>& all() const {
    return entries_;
  }

private:
  std::vector<log_entry> entries_;
};

/// Applies `rd`'s truncation and entries to `storage`. The caller still has
/// to make them durable (fsync) before sending `rd.messages`.
void persist_entries(raft_log_storage& storage, const ready& rd);

} // namespace rivulet::raft
