#include "actors/consumer.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/consumer_shared.hpp"
#include "actors/type_ids.hpp"

namespace rivulet::actors {

namespace detail {

partition_slot new_slot(const consumer_config& cfg) {
  partition_slot s;
  if (!cfg.group_id.empty())
    s.from = start_from::committed;
  else
    s.from = cfg.auto_offset_reset == consumer_config::offset_reset::earliest ? start_from::earliest
                                                                               : start_from::latest;
  return s;
}

} // namespace detail

namespace {

void drop_buffer(detail::partition_slot& s) {
  s.buffered.clear();
  s.buffered_bytes = 0;
  ++s.epoch;
  s.busy = false;  // an answer to the old epoch is ignored
}

} // namespace

consumer::consumer(caf::actor_system& sys, consumer_config cfg)
  : cfg_(std::move(cfg)), shared_(std::make_shared<detail::consumer_shared>()) {
  actor_ = detail::spawn_consumer_actor(sys, cfg_, shared_);
}

consumer::~consumer() {
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    shared_->closing = true;
  }
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  std::unique_lock<std::mutex> lock{shared_->mutex};
  shared_->changed.wait(lock, [&] { return shared_->stopped; });
}

void consumer::poke() {
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    if (shared_->wakeup_sent)
      return;
    shared_->wakeup_sent = true;
  }
  caf::anon_send(actor_, wakeup_atom_v);
}

void consumer::assign(std::vector<topic_partition> partitions) {
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    std::map<topic_partition, detail::partition_slot> slots;
    for (auto& tp : partitions) {
      auto it = shared_->slots.find(tp);
      if (it != shared_->slots.end())
        slots.emplace(tp, std::move(it->second));
      else
        slots.emplace(tp, detail::new_slot(cfg_));
    }
    shared_->slots = std::move(slots);
    shared_->subscribed = false;
    shared_->subscription.clear();
    ++shared_->membership_version;
  }
  poke();
}

bool consumer::subscribe(std::vector<std::string> topics) {
  if (cfg_.group_id.empty())
    return false;
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    if (!shared_->subscribed)
      shared_->slots.clear();  // the group's assignment replaces a manual one
    shared_->subscribed = true;
    shared_->subscription = std::move(topics);
    ++shared_->membership_version;
  }
  poke();
  return true;
}

void consumer::unsubscribe() {
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    shared_->slots.clear();
    shared_->subscribed = false;
    shared_->subscription.clear();
    ++shared_->membership_version;
  }
  poke();
}

std::vector<topic_partition> consumer::assignment() const {
  std::lock_guard<std::mutex> guard{shared_->mutex};
  std::vector<topic_partition> out;
  for (auto& [tp, s] : shared_->slots)
    out.push_back(tp);
  return out;
}

std::vector<consumer_record> consumer::poll(std::chrono::milliseconds timeout) {
  std::vector<consumer_record> out;
  bool took = false;
  {
    std::unique_lock<std::mutex> lock{shared_->mutex};
    auto has_records = [&] {
      if (shared_->stopped)
        return true;
      for (auto& [tp, s] : shared_->slots)
        if (!s.buffered.empty())
          return true;
      return false;
    };
    shared_->changed.wait_for(lock, timeout, has_records);
    auto n = shared_->slots.size();
    if (n > 0) {
      auto start = shared_->poll_start % n;
      auto it = std::next(shared_->slots.begin(), static_cast<std::ptrdiff_t>(start));
      for (std::size_t i = 0; i < n && out.size() < cfg_.max_poll_records; ++i) {
        auto& s = it->second;
        while (!s.buffered.empty() && out.size() < cfg_.max_poll_records) {
          auto& r = s.buffered.front();
          s.position = r.offset + 1;
          s.buffered_bytes -= std::min(s.buffered_bytes, (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
          out.push_back(std::move(r));
          s.buffered.pop_front();
          took = true;
        }
        detail::skip_to_fetch_offset(s);
        if (++it == shared_->slots.end())
          it = shared_->slots.begin();
      }
      shared_->poll_start = start + 1;
    }
  }
  if (took)
    poke();  // buffers have room again
  return out;
}

bool consumer::seek(const topic_partition& tp, std::int64_t offset) {
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    auto it = shared_->slots.find(tp);
    if (it == shared_->slots.end() || offset < 0)
      return false;
    auto& s = it->second;
    drop_buffer(s);
    s.position = offset;
    s.fetch_offset = offset;
    s.from = detail::start_from::known;
    s.retry_at = {};
  }
  poke();
  return true;
}

namespace {

void reset_positions(detail::consumer_shared& shared, const std::vector<topic_partition>& partitions,
                     detail::start_from from) {
  std::lock_guard<std::mutex> guard{shared.mutex};
  for (auto& [tp, s] : shared.slots) {
    if (!partitions.empty() && std::find(partitions.begin(), partitions.end(), tp) == partitions.end())
      continue;
    drop_buffer(s);
    s.position = -1;
    s.fetch_offset = -1;
    s.from = from;
    s.retry_at = {};
  }
}

} // namespace

void consumer::seek_to_beginning(std::vector<topic_partition> partitions) {
  reset_positions(*shared_, partitions, detail::start_from::earliest);
  poke();
}

void consumer::seek_to_end(std::vector<topic_partition> partitions) {
  reset_positions(*shared_, partitions, detail::start_from::latest);
  poke();
}

std::optional<std::int64_t> consumer::position(const topic_partition& tp, std::chrono::milliseconds timeout) {
  poke();
  std::unique_lock<std::mutex> lock{shared_->mutex};
  std::optional<std::int64_t> out;
  shared_->changed.wait_for(lock, timeout, [&] {
    auto it = shared_->slots.find(tp);
    if (it == shared_->slots.end() || shared_->stopped)
      return true;
    if (it->second.from != detail::start_from::known)
      return false;
    out = it->second.position;
    return true;
  });
  return out;
}

std::optional<std::int64_t> consumer::position(const topic_partition& tp) {
  return position(tp, cfg_.request_timeout);
}

std::string consumer::commit_sync() {
  std::map<topic_partition, std::int64_t> offsets;
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    for (auto& [tp, s] : shared_->slots)
      if (s.from == detail::start_from::known)
        offsets.emplace(tp, s.position);
  }
  return commit_sync(offsets);
}

std::string consumer::commit_sync(const std::map<topic_partition, std::int64_t>& offsets) {
  if (cfg_.group_id.empty())
    return "commit needs a consumer group: group_id is empty";
  if (offsets.empty())
    return {};
  std::future<std::string> done;
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    if (shared_->stopped)
      return "consumer stopped";
    detail::commit_job job;
    job.offsets = offsets;
    job.deadline = std::chrono::steady_clock::now() + cfg_.request_timeout;
    done = job.done.get_future();
    shared_->commits.push_back(std::move(job));
  }
  poke();
  // The actor answers every job by its deadline, or when it stops.
  return done.get();
}

std::optional<std::int64_t> consumer::committed(const topic_partition& tp) {
  if (cfg_.group_id.empty())
    return std::nullopt;
  std::future<std::optional<std::int64_t>> done;
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    if (shared_->stopped)
      return std::nullopt;
    detail::committed_job job;
    job.tp = tp;
    job.deadline = std::chrono::steady_clock::now() + cfg_.request_timeout;
    done = job.done.get_future();
    shared_->lookups.push_back(std::move(job));
  }
  poke();
  return done.get();
}

std::string consumer::member_id() const {
  std::lock_guard<std::mutex> guard{shared_->mutex};
  return shared_->member_id;
}

std::int32_t consumer::generation() const {
  std::lock_guard<std::mutex> guard{shared_->mutex};
  return shared_->generation;
}

} // namespace rivulet::actors
