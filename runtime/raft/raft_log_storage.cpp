#include "runtime/raft/raft_log_storage.hpp"

#include <cstdlib>

namespace rivulet::raft {

namespace {

// Storage misuse is a bug in the caller; stop before corrupting the log.
void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

void in_memory_log::append(const std::vector<log_entry>& entries) {
  for (const auto& e : entries) {
    require(e.index == last_index().next());
    entries_.push_back(e);
  }
}

void in_memory_log::truncate_suffix(log_index from) {
  require(from.value >= 1);
  if (from.value <= entries_.size())
    entries_.resize(from.value - 1);
}

std::optional<term_id> in_memory_log::term_at(log_index index) const {
  if (index.value == 0)
    return term_id{0};
  if (index.value > entries_.size())
    return std::nullopt;
  return entries_[index.value - 1].term;
}

std::vector<log_entry> in_memory_log::entries(log_index from, log_index to,
                                              std::size_t max_bytes) const {
  require(from.value >= 1 && to.value <= entries_.size());
  std::vector<log_entry> out;
  std::size_t bytes = 0;
  for (auto i = from.value; i <= to.value; ++i) {
    const auto& e = entries_[i - 1];
    bytes += entry_size_bytes(e);
    if (!out.empty() && bytes > max_bytes)
      break;
    out.push_back(e);
  }
  return out;
}

void persist_entries(raft_log_storage& storage, const ready& rd) {
  if (rd.truncate_from)
    storage.truncate_suffix(*rd.truncate_from);
  if (!rd.entries.empty()) {
    // Entries that follow a truncation overwrite from that point on.
    if (rd.entries.front().index <= storage.last_index())
      storage.truncate_suffix(rd.entries.front().index);
    storage.append(rd.entries);
  }
}

} // namespace rivulet::raft
