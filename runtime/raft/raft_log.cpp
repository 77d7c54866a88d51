#include "runtime/raft/raft_log.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace rivulet::raft {

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

log_index raft_log::last_index() const {
  return unstable_.empty() ? storage_->last_index() : unstable_.back().index;
}

term_id raft_log::last_term() const {
  auto t = term_at(last_index());
  require(t.has_value());
  return *t;
}

std::optional<term_id> raft_log::term_at(log_index index) const {
  if (!unstable_.empty() && index >= unstable_.front().index) {
    if (index > unstable_.back().index)
      return std::nullopt;
    return unstable_[index.value - unstable_.front().index.value].term;
  }
  return storage_->term_at(index);
}

bool raft_log::is_up_to_date(log_index last, term_id term) const {
  auto my_term = last_term();
  return term > my_term || (term == my_term && last >= last_index());
}

void raft_log::append(const std::vector<log_entry>& entries) {
  for (const auto& e : entries) {
    require(e.index == last_index().next());
    unstable_.push_back(e);
  }
}

void raft_log::append(log_entry&& entry) {
  require(entry.index == last_index().next());
  unstable_.push_back(std::move(entry));
}

std::vector<log_entry> raft_log::slice_prefix(log_index from, log_index to, std::size_t payload_bytes) const {
  std::vector<log_entry> out;
  auto unstable_from = unstable_.empty() ? last_index().next() : unstable_.front().index;
  auto copy_prefix = [&](const log_entry& e) {
    log_entry c;
    c.index = e.index;
    c.term = e.term;
    c.kind = e.kind;
    c.payload.assign(e.payload, 0, std::min(payload_bytes, e.payload.size()));
    out.push_back(std::move(c));
  };
  for (auto i = from; i <= to && i < unstable_from;) {
    if (!recent_.empty() && i >= recent_.front().index && i <= recent_.back().index) {
      copy_prefix(recent_[i.value - recent_.front().index.value]);
      i = i.next();
      continue;
    }
    // Not in memory: read the stored run up to the cache or the end.
    auto stored_to = std::min(to, unstable_from.prev());
    if (!recent_.empty() && recent_.front().index > i)
      stored_to = std::min(stored_to, recent_.front().index.prev());
    for (auto& e : storage_->entries(i, stored_to, std::numeric_limits<std::size_t>::max())) {
      if (e.payload.size() > payload_bytes)
        e.payload.resize(payload_bytes);
      out.push_back(std::move(e));
    }
    i = stored_to.next();
  }
  for (auto i = std::max(from, unstable_from); i <= to; i = i.next())
    copy_prefix(unstable_[i.value - unstable_from.value]);
  return out;
}

std::optional<log_index>
raft_log::find_conflict(const std::vector<log_entry>& entries) const {
  for (const auto& e : entries)
    if (!matches(e.index, e.term))
      return e.index;
  return std::nullopt;
}

void raft_log::truncate_and_append(std::vector<log_entry> entries) {
  if (entries.empty())
    return;
  auto first = entries.front().index;
  require(first <= last_index().next());
  if (!unstable_.empty() && first > unstable_.front().index) {
    // Overwrite inside the unstable tail only.
    unstable_.resize(first.value - unstable_.front().index.value);
    for (auto& e : entries)
      unstable_.push_back(std::move(e));
    return;
  }
  if (first <= storage_->last_index())
    truncate_from_ = truncate_from_ ? std::min(*truncate_from_, first) : first;
  unstable_ = std::move(entries);
}

log_index raft_log::find_conflict_by_term(log_index index, term_id term) const {
  index = std::min(index, last_index());
  while (index.value > 0) {
    auto t = term_at(index);
    if (!t || *t <= term)
      break;
    index = index.prev();
  }
  return index;
}

std::vector<log_entry> raft_log::slice(log_index from, log_index to,
                                       std::size_t max_bytes,
                                       std::size_t max_count) const {
  std::vector<log_entry> out;
  if (from > to || max_count == 0)
    return out;
  auto unstable_from = unstable_.empty() ? last_index().next() : unstable_.front().index;
  std::size_t bytes = 0;
  if (from < unstable_from) {
    auto stored_to = std::min(to, unstable_from.prev());
    if (stored_to.value - from.value + 1 > max_count)
      stored_to = log_index{from.value + max_count - 1};
    if (!recent_.empty() && from >= recent_.front().index && stored_to <= recent_.back().index) {
      for (auto i = from; i <= stored_to; i = i.next()) {
        const auto& e = recent_[i.value - recent_.front().index.value];
        bytes += entry_size_bytes(e);
        if (!out.empty() && bytes > max_bytes)
          return out;
        out.push_back(e);
      }
    } else {
      out = storage_->entries(from, stored_to, max_bytes);
      for (const auto& e : out)
        bytes += entry_size_bytes(e);
    }
    if (out.back().index < stored_to)
      return out; // byte limit reached inside the stored part
    from = stored_to.next();
  }
  for (auto i = from; i <= to && out.size() < max_count; i = i.next()) {
    const auto& e = unstable_[i.value - unstable_from.value];
    bytes += entry_size_bytes(e);
    if (!out.empty() && bytes > max_bytes)
      break;
    out.push_back(e);
  }
  return out;
}

std::vector<log_entry> raft_log::lend_unstable() {
  std::vector<log_entry> out;
  out.reserve(unstable_.size());
  for (auto& e : unstable_)
    out.push_back(log_entry{e.term, e.index, e.kind, std::move(e.payload)});
  return out;
}

void raft_log::mark_stable(std::vector<log_entry>&& lent) {
  require(lent.size() == unstable_.size());
  for (std::size_t i = 0; i < lent.size(); ++i) {
    require(lent[i].index == unstable_[i].index);
    unstable_[i].payload = std::move(lent[i].payload);
  }
  lent.clear();
  mark_stable();
}

void raft_log::mark_stable() {
  if (truncate_from_)
    while (!recent_.empty() && recent_.back().index >= *truncate_from_) {
      recent_bytes_ -= entry_size_bytes(recent_.back());
      recent_.pop_back();
    }
  if (!unstable_.empty() && !recent_.empty() && recent_.back().index.next() != unstable_.front().index) {
    recent_.clear();
    recent_bytes_ = 0;
  }
  for (auto& e : unstable_) {
    recent_bytes_ += entry_size_bytes(e);
    recent_.push_back(std::move(e));
  }
  while (recent_bytes_ > recent_cache_bytes && recent_.size() > 1) {
    recent_bytes_ -= entry_size_bytes(recent_.front());
    recent_.pop_front();
  }
  unstable_.clear();
  truncate_from_.reset();
}

void raft_log::release_upto(log_index index) {
  while (!recent_.empty() && recent_.front().index <= index) {
    recent_bytes_ -= entry_size_bytes(recent_.front());
    recent_.pop_front();
  }
}

} // namespace rivulet::raft
