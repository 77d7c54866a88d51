// The consumer's actor, jobs of the API threads: commit_sync() as an
// OffsetCommit and committed() as an OffsetFetch, one of each at a time,
// sent to the group's coordinator and retried with the next coordinator
// until their deadline.

#include <caf/all.hpp>

#include "actors/consumer_actor.hpp"
#include "actors/type_ids.hpp"

namespace rivulet::actors::detail {

namespace {

std::string commit_errors(const offset_commit_reply& r) {
  std::string out;
  for (auto& p : r.partitions)
    if (p.error_code != 0)
      out += (out.empty() ? "" : ", ") + p.topic + "-" + std::to_string(p.partition) + ": "
             + group::to_string(static_cast<group::error_code>(p.error_code));
  return out;
}

void run_commit(consumer_actor* self) {
  auto& st = self->state;
  offset_commit_request req;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    if (st.commit_in_flight || st.shared->commits.empty())
      return;
    req.group_id = st.cfg.group_id;
    if (st.group.state == group_membership::phase::stable) {
      req.member_id = st.group.member_id;
      req.generation = st.group.generation;
    }
    for (auto& [tp, offset] : st.shared->commits.front().offsets)
      req.offsets.push_back({tp.topic, tp.partition, offset, false, {}});
  }
  st.commit_in_flight = true;
  auto finish = [self](std::optional<std::string> outcome) {
    auto& st = self->state;
    st.commit_in_flight = false;
    if (outcome) {
      std::lock_guard<std::mutex> guard{st.shared->mutex};
      if (!st.shared->commits.empty()) {
        st.shared->commits.front().done.set_value(*outcome);
        st.shared->commits.pop_front();
      }
    }
    pump(self);
  };
  self->request(st.coordinator, st.cfg.request_timeout, std::move(req))
    .then(
      [self, finish](offset_commit_reply& r) {
        for (auto& p : r.partitions)
          if (coordinator_moved(p.error_code)) {
            forget_coordinator(self);
            return finish(std::nullopt);  // retried with the next coordinator until the deadline
          }
        finish(commit_errors(r));
      },
      [self, finish](caf::error&) {
        forget_coordinator(self);
        finish(std::nullopt);
      });
}

void run_lookup(consumer_actor* self) {
  auto& st = self->state;
  offset_fetch_request req;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    if (st.lookup_in_flight || st.shared->lookups.empty())
      return;
    req.group_id = st.cfg.group_id;
    req.has_partitions = true;
    auto& tp = st.shared->lookups.front().tp;
    req.partitions.push_back({tp.topic, tp.partition});
  }
  st.lookup_in_flight = true;
  auto finish = [self](bool answered, std::optional<std::int64_t> offset) {
    auto& st = self->state;
    st.lookup_in_flight = false;
    if (answered) {
      std::lock_guard<std::mutex> guard{st.shared->mutex};
      if (!st.shared->lookups.empty()) {
        st.shared->lookups.front().done.set_value(offset);
        st.shared->lookups.pop_front();
      }
    }
    pump(self);
  };
  self->request(st.coordinator, st.cfg.request_timeout, std::move(req))
    .then(
      [self, finish](offset_fetch_reply& r) {
        if (r.error_code != 0) {
          forget_coordinator(self);
          return finish(false, std::nullopt);
        }
        std::optional<std::int64_t> offset;
        if (r.partitions.size() == 1 && r.partitions[0].error_code == 0 && r.partitions[0].offset >= 0)
          offset = r.partitions[0].offset;
        finish(true, offset);
      },
      [self, finish](caf::error&) {
        forget_coordinator(self);
        finish(false, std::nullopt);
      });
}

} // namespace

void run_jobs(consumer_actor* self) {
  auto& st = self->state;
  auto now = steady_now();
  bool pending = false;
  {
    std::lock_guard<std::mutex> guard{st.shared->mutex};
    auto& commits = st.shared->commits;
    // The front job may be in flight; its answer pops it.
    for (auto it = commits.begin() + (st.commit_in_flight ? 1 : 0); it != commits.end();) {
      if (now < it->deadline) {
        wake_at(self, it->deadline);
        ++it;
        continue;
      }
      it->done.set_value("commit timed out: no coordinator answered within the request timeout");
      it = commits.erase(it);
    }
    auto& lookups = st.shared->lookups;
    for (auto it = lookups.begin() + (st.lookup_in_flight ? 1 : 0); it != lookups.end();) {
      if (now < it->deadline) {
        wake_at(self, it->deadline);
        ++it;
        continue;
      }
      it->done.set_value(std::nullopt);
      it = lookups.erase(it);
    }
    pending = !commits.empty() || !lookups.empty();
  }
  if (!pending)
    return;
  if (!st.coordinator) {
    find_coordinator(self);
    return;
  }
  run_commit(self);
  run_lookup(self);
}

} // namespace rivulet::actors::detail
