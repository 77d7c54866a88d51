#include "actors/producer_partition.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace rivulet::actors::detail {

namespace {

constexpr std::size_t batch_overhead = 61;  // record batch v2 header

/// The sequence after `count` records from `seq` (INT32_MAX wraps to 0).
std::int32_t advance(std::int32_t seq, std::int32_t count) {
  constexpr std::int64_t span = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  return static_cast<std::int32_t>((std::int64_t{seq} + count) % span);
}

/// `bytes` (one batch) encoded again with another producer stamp.
io::result<std::string> restamp(const std::string& bytes, const io::kafka::producer_stamp& stamp,
                                io::kafka::compression codec) {
  std::vector<io::kafka::read_record> read;
  if (auto st = io::kafka::decode_batches(bytes, 0, read); !st.ok())
    return st;
  std::vector<io::kafka::plain_record> records;
  records.reserve(read.size());
  for (auto& r : read)
    records.push_back({std::move(r.key), std::move(r.value), r.timestamp_ms});
  return io::kafka::encode_batch(records, stamp, codec);
}

} // namespace

partition_queue::partition_queue(std::string where, const batching_settings& settings)
  : where_(std::move(where)), settings_(settings), epoch_(settings.epoch) {
}

bool partition_queue::append(io::kafka::plain_record rec, record_ticket ticket, steady_time now) {
  bool sealed = false;
  auto size = estimated_size(rec);
  if (!open_.records.empty() && open_.bytes + size > settings_.batch_bytes) {
    seal();
    sealed = true;
  }
  if (open_.records.empty()) {
    open_.opened = now;
    open_.bytes = batch_overhead;
  }
  open_.records.push_back(std::move(rec));
  open_.tickets.push_back(std::move(ticket));
  open_.bytes += size;
  if (open_.bytes >= settings_.batch_bytes) {
    seal();
    sealed = true;
  }
  return sealed;
}

bool partition_queue::seal_due(steady_time now, bool force) {
  if (open_.records.empty() || (!force && now < open_.opened + settings_.linger))
    return false;
  seal();
  return true;
}

io::kafka::producer_stamp partition_queue::next_stamp() const {
  if (!stamped())
    return {};
  return {settings_.producer_id, epoch_, next_sequence_, settings_.transactional};
}

void partition_queue::seal() {
  sealed_batch b;
  b.records = static_cast<std::int32_t>(open_.records.size());
  b.tickets = std::move(open_.tickets);
  b.deadline = open_.opened + settings_.delivery_timeout;
  auto stamp = next_stamp();
  auto bytes = poisoned_ ? io::result<std::string>(io::status{io::errc::invalid_argument,
                                                              "an earlier batch of this transactional producer "
                                                              "failed; create the producer again"})
                         : io::kafka::encode_batch(open_.records, stamp, settings_.compression);
  if (bytes) {
    b.bytes = std::move(*bytes);
    b.epoch = stamp.producer_epoch;
    b.base_sequence = stamp.base_sequence;
    if (stamped())
      next_sequence_ = advance(next_sequence_, b.records);
  } else {
    // Never sent, so no sequence is used up.
    b.state = phase::failed;
    b.error = where_ + ": cannot encode the batch: " + bytes.error().to_string();
  }
  batches_.push_back(std::move(b));
  open_ = open_batch{};
}

std::vector<send_item> partition_queue::take_sendable(steady_time now, std::uint64_t& next_request_id) {
  std::vector<send_item> out;
  if (draining_) {
    if (in_flight_ > 0 || now < retry_at_)
      return out;
    draining_ = false;
  }
  if (broken_)
    return out;  // take_finished() restarts the sequence first
  for (auto& b : batches_) {
    if (in_flight_ >= static_cast<std::size_t>(std::max(1, settings_.max_in_flight)))
      break;
    if (b.state != phase::queued)
      continue;
    b.state = phase::in_flight;
    b.request_id = ++next_request_id;
    ++b.attempts;
    ++in_flight_;
    out.push_back({b.request_id, &b.bytes});
  }
  return out;
}

partition_queue::sealed_batch* partition_queue::find(std::uint64_t request_id) {
  for (auto& b : batches_)
    if (b.state == phase::in_flight && b.request_id == request_id)
      return &b;
  return nullptr;
}

void partition_queue::on_ok(std::uint64_t request_id, std::int64_t base_offset) {
  auto* b = find(request_id);
  if (!b)
    return;
  --in_flight_;
  b->state = phase::done;
  b->base_offset = base_offset;
}

void partition_queue::on_retriable(std::uint64_t request_id, const std::string& error, bool written_maybe,
                                   steady_time retry_at) {
  auto* b = find(request_id);
  if (!b)
    return;
  --in_flight_;
  b->state = phase::queued;
  b->error = error;
  b->written_maybe = b->written_maybe || written_maybe;
  draining_ = true;
  retry_at_ = std::max(retry_at_, retry_at);
}

void partition_queue::on_fatal(std::uint64_t request_id, const std::string& error) {
  auto* b = find(request_id);
  if (!b)
    return;
  --in_flight_;
  give_up(*b, error);
}

void partition_queue::give_up(sealed_batch& b, std::string error) {
  b.state = phase::failed;
  b.error = std::move(error);
  if (stamped())
    broken_ = true;
}

void partition_queue::break_sequence() {
  if (settings_.transactional) {
    // The epoch is the coordinator's: no new epoch here. Whatever follows
    // would leave a sequence gap, so it fails; the transaction must be
    // aborted and the producer created again (a new epoch from the
    // coordinator).
    poisoned_ = true;
    for (auto& b : batches_)
      if (b.state == phase::queued) {
        b.state = phase::failed;
        b.error = where_ + ": an earlier batch of this transactional producer failed (" + b.error
                  + "); abort the transaction and create the producer again";
      }
    broken_ = false;
    return;
  }
  // Nothing is in flight. A batch that may be in the log under the old
  // stamp must not be sent again under a new one: it fails. The others
  // (refused or never sent) move to the next epoch, from sequence 0; a new
  // epoch starting at 0 is what the leader accepts (design 4.6).
  broken_ = false;
  ++epoch_;
  next_sequence_ = 0;
  for (auto& b : batches_) {
    if (b.state != phase::queued)
      continue;
    if (b.written_maybe) {
      b.state = phase::failed;
      b.error = where_ + ": an earlier batch failed, and this one may or may not have been written (last error: "
                + b.error + ")";
      continue;
    }
    auto stamp = next_stamp();
    auto bytes = restamp(b.bytes, stamp, settings_.compression);
    if (!bytes) {
      b.state = phase::failed;
      b.error = where_ + ": cannot stamp the batch again: " + bytes.error().to_string();
      continue;
    }
    b.bytes = std::move(*bytes);
    b.epoch = stamp.producer_epoch;
    b.base_sequence = stamp.base_sequence;
    next_sequence_ = advance(next_sequence_, b.records);
  }
}

std::vector<finished_batch> partition_queue::take_finished(steady_time now) {
  if (in_flight_ == 0) {
    // Batches expire front first (later ones were opened later).
    for (auto& b : batches_) {
      if (b.state == phase::done || b.state == phase::failed)
        continue;
      if (now < b.deadline)
        break;
      give_up(b, where_ + ": delivery timeout: not acknowledged within "
                   + std::to_string(settings_.delivery_timeout.count()) + " ms"
                   + (b.error.empty() ? std::string{} : " (last error: " + b.error + ")"));
    }
    if (broken_)
      break_sequence();
  }
  std::vector<finished_batch> out;
  while (!batches_.empty()
         && (batches_.front().state == phase::done || batches_.front().state == phase::failed)) {
    auto& b = batches_.front();
    finished_batch f;
    f.tickets = std::move(b.tickets);
    if (b.state == phase::done)
      f.base_offset = b.base_offset;
    else
      f.error = std::move(b.error);
    out.push_back(std::move(f));
    batches_.pop_front();
  }
  return out;
}

std::vector<finished_batch> partition_queue::fail_all(const std::string& error) {
  std::vector<finished_batch> out;
  for (auto& b : batches_) {
    finished_batch f;
    f.tickets = std::move(b.tickets);
    if (b.state == phase::done)
      f.base_offset = b.base_offset;
    else
      f.error = b.state == phase::failed ? b.error : error;
    out.push_back(std::move(f));
  }
  batches_.clear();
  if (!open_.records.empty())
    out.push_back(finished_batch{std::move(open_.tickets), -1, error});
  open_ = open_batch{};
  in_flight_ = 0;
  return out;
}

std::optional<steady_time> partition_queue::next_due(steady_time now) const {
  std::optional<steady_time> due;
  auto consider = [&](steady_time t) {
    if (t > now && (!due || t < *due))
      due = t;
  };
  if (!open_.records.empty())
    consider(open_.opened + settings_.linger);
  if (in_flight_ > 0)
    return due;  // an answer (or its request timeout) comes first
  if (draining_)
    consider(retry_at_);
  for (auto& b : batches_)
    if (b.state == phase::queued) {
      consider(b.deadline);
      break;
    }
  return due;
}

bool partition_queue::wants_to_send() const {
  for (auto& b : batches_)
    if (b.state == phase::queued)
      return true;
  return false;
}

} // namespace rivulet::actors::detail
