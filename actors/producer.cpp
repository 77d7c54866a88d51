#include "actors/producer.hpp"

#include <chrono>
#include <limits>
#include <random>

#include <caf/all.hpp>

#include "actors/producer_partition.hpp"
#include "actors/producer_shared.hpp"
#include "actors/type_ids.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace detail {

void report_to::operator()(const delivery& d) const noexcept {
  try {
    if (promise)
      promise->set_value(d);
    if (callback)
      callback(d);
  } catch (const std::exception& e) {
    RIVULET_LOG(log_level::error, "producer", "a delivery callback threw: " << e.what());
  } catch (...) {
    RIVULET_LOG(log_level::error, "producer", "a delivery callback threw");
  }
}

void release(producer_shared& shared, const std::vector<std::uint64_t>& serials, std::size_t charge) {
  std::lock_guard<std::mutex> guard{shared.mutex};
  shared.buffered_bytes -= std::min(charge, shared.buffered_bytes);
  for (auto s : serials)
    shared.unreported.report(s);
  shared.changed.notify_all();
}

} // namespace detail

namespace {

std::int64_t random_producer_id() {
  std::random_device rd;
  std::mt19937_64 rng{(std::uint64_t{rd()} << 32) ^ rd()
                      ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  return static_cast<std::int64_t>(rng() & static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

producer::producer(caf::actor_system& sys, producer_config cfg)
  : cfg_(std::move(cfg)), sys_(&sys), shared_(std::make_shared<detail::producer_shared>()) {
  if (!cfg_.transactional_id.empty())
    init_transactions(); // sets producer_id_, epoch_ and txn_, or throws
  else if (cfg_.idempotent && cfg_.acks == -1)
    producer_id_ = random_producer_id();
  actor_ = detail::spawn_producer_actor(sys, cfg_, producer_id_, epoch_, shared_);
}

producer::~producer() {
  close(cfg_.delivery_timeout);
}

std::int64_t producer::producer_id() const noexcept {
  return producer_id_;
}

std::future<delivery> producer::send(std::string topic, std::optional<std::string> key,
                                     std::optional<std::string> value, std::int64_t timestamp_ms) {
  auto promise = std::make_shared<std::promise<delivery>>();
  auto future = promise->get_future();
  enqueue(std::move(topic), std::move(key), std::move(value), timestamp_ms, {}, std::move(promise));
  return future;
}

void producer::send(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
                    callback on_delivery) {
  enqueue(std::move(topic), std::move(key), std::move(value), -1, std::move(on_delivery), nullptr);
}

void producer::send(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
                    std::int64_t timestamp_ms, callback on_delivery) {
  enqueue(std::move(topic), std::move(key), std::move(value), timestamp_ms, std::move(on_delivery), nullptr);
}

void producer::enqueue(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
                       std::int64_t timestamp_ms, callback cb, std::shared_ptr<std::promise<delivery>> promise) {
  if (txn_) {
    // Inside a transaction every partition written must be registered with
    // the coordinator first; a failed delivery makes the commit fail.
    auto why = register_topic(topic);
    if (!why.empty()) {
      delivery d;
      d.topic = topic;
      d.error = why;
      detail::report_to{std::move(promise), std::move(cb)}(d);
      return;
    }
    cb = detail::count_failures(txn_, detail::report_to{std::move(promise), std::move(cb)});
    promise = nullptr;
  }
  detail::outgoing_record r;
  r.topic = std::move(topic);
  r.record.key = std::move(key);
  r.record.value = std::move(value);
  r.record.timestamp_ms = timestamp_ms < 0 ? wall_clock_ms() : timestamp_ms;
  r.charge = detail::estimated_size(r.record) + 8;
  r.report = detail::report_to{std::move(promise), std::move(cb)};
  auto refuse = [&](std::string why) {
    delivery d;
    d.topic = r.topic;
    d.error = std::move(why);
    r.report(d);
  };
  bool wake = false;
  {
    std::unique_lock<std::mutex> lock{shared_->mutex};
    if (r.charge > cfg_.buffer_bytes) {
      lock.unlock();
      return refuse("record of " + std::to_string(r.charge) + " bytes exceeds buffer_bytes ("
                    + std::to_string(cfg_.buffer_bytes) + ")");
    }
    auto fits = [&] {
      return shared_->closed || shared_->stopped || shared_->buffered_bytes + r.charge <= cfg_.buffer_bytes;
    };
    if (!shared_->changed.wait_for(lock, cfg_.buffer_timeout, fits)) {
      lock.unlock();
      return refuse("buffer full: " + std::to_string(cfg_.buffer_bytes) + " bytes unreported after waiting "
                    + std::to_string(cfg_.buffer_timeout.count()) + " ms");
    }
    if (shared_->closed || shared_->stopped) {
      lock.unlock();
      return refuse("producer closed");
    }
    r.serial = shared_->next_serial++;
    shared_->buffered_bytes += r.charge;
    shared_->unreported.add(r.serial);
    shared_->incoming.push_back(std::move(r));
    wake = !shared_->wakeup_sent;
    shared_->wakeup_sent = true;
  }
  if (wake)
    poke();
}

void producer::poke() {
  caf::anon_send(actor_, wakeup_atom_v);
}

void producer::flush() {
  while (!flush(std::chrono::hours(1))) {
  }
}

bool producer::flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{shared_->mutex};
  auto upto = shared_->next_serial;
  ++shared_->flushing;
  shared_->wakeup_sent = true;
  lock.unlock();
  poke();
  lock.lock();
  bool done = shared_->changed.wait_for(lock, timeout, [&] {
    return shared_->stopped || shared_->unreported.empty() || shared_->unreported.oldest() >= upto;
  });
  --shared_->flushing;
  return done;
}

void producer::close(std::chrono::milliseconds timeout) {
  if (!actor_)
    return;
  flush(timeout);
  {
    std::lock_guard<std::mutex> guard{shared_->mutex};
    shared_->closed = true;
    shared_->changed.notify_all();
  }
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  {
    // The exit handler reports what is left; callbacks must not run after
    // the producer is gone.
    std::unique_lock<std::mutex> lock{shared_->mutex};
    shared_->changed.wait(lock, [&] { return shared_->stopped; });
  }
  actor_ = nullptr;
}

} // namespace rivulet::actors
