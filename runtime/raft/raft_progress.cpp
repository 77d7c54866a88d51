#include "runtime/raft/raft_progress.hpp"

#include <algorithm>

namespace rivulet::raft {

bool progress::is_paused() const {
  switch (state_) {
    case progress_state::probe:
      return probe_sent_;
    case progress_state::replicate:
      return inflight_.size() >= max_inflight_;
  }
  return false;
}

bool progress::maybe_update(log_index index) {
  bool updated = false;
  if (match_ < index) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, index.next());
  while (!inflight_.empty() && inflight_.front() <= index)
    inflight_.pop_front();
  return updated;
}

bool progress::maybe_decrement(log_index rejected, log_index hint) {
  if (state_ == progress_state::replicate) {
    // A rejection below what is known to match comes from an old message.
    if (rejected <= match_)
      return false;
    next_ = match_.next();
    return true;
  }
  // In probe only the answer to the latest probe counts.
  if (next_.prev() != rejected)
    return false;
  next_ = std::max(std::min(rejected, hint.next()), match_.next());
  probe_sent_ = false;
  return true;
}

void progress::sent_append(log_index last, bool had_entries) {
  if (state_ == progress_state::replicate) {
    if (had_entries) {
      next_ = last.next();
      inflight_.push_back(last);
    }
  } else {
    probe_sent_ = true;
  }
}

void progress::heartbeat_replied() {
  probe_sent_ = false;
  if (state_ == progress_state::replicate && inflight_.size() >= max_inflight_)
    inflight_.pop_front();
}

void progress::become_probe() {
  state_ = progress_state::probe;
  probe_sent_ = false;
  inflight_.clear();
  next_ = match_.next();
}

void progress::become_replicate() {
  state_ = progress_state::replicate;
  probe_sent_ = false;
  inflight_.clear();
  next_ = match_.next();
}

} // namespace rivulet::raft
