#pragma once

// Internal to the producer (actors/producer.cpp and the producer actor):
// the state its API threads and its actor share. The API side appends sent
// records to `incoming` and waits on `changed`; the actor drains `incoming`,
// reports records and gives their buffer space back. Each critical section
// is a few moves, so the actor never waits long for the mutex.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "actors/producer.hpp"
#include "io/kafka/records.hpp"

namespace rivulet::actors::detail {

/// Where one record's outcome goes: a future's promise or a callback.
struct report_to {
  std::shared_ptr<std::promise<delivery>> promise;
  producer::callback callback;

  /// Reports `d`. Never throws: an exception from a callback is dropped
  /// (and logged), since it must not cross an actor handler.
  void operator()(const delivery& d) const noexcept;
};

/// A record between send() and its report.
struct outgoing_record {
  std::string topic;
  io::kafka::plain_record record;
  /// Its share of buffer_bytes, given back when it is reported.
  std::size_t charge = 0;
  /// Order of send() calls, for flush().
  std::uint64_t serial = 0;
  report_to report;
};

/// The serials of records sent and not yet reported. Serials are handed out
/// consecutively, so this is a window starting at the oldest unreported one
/// with a flag per serial: no allocation per record (a std::set of serials
/// cost a heap node per record on the send path).
class unreported_serials {
public:
  /// `serial` is the next one handed out (consecutive).
  void add(std::uint64_t serial) {
    if (done_.empty())
      base_ = serial;
    done_.push_back(false);
  }
  void report(std::uint64_t serial) {
    if (serial < base_ || serial - base_ >= done_.size())
      return;
    done_[serial - base_] = true;
    while (!done_.empty() && done_.front()) {
      done_.pop_front();
      ++base_;
    }
  }
  bool empty() const noexcept { return done_.empty(); }
  /// The oldest unreported serial; precondition: !empty().
  std::uint64_t oldest() const noexcept { return base_; }

private:
  std::uint64_t base_ = 0;
  std::deque<bool> done_;
};

struct producer_shared {
  std::mutex mutex;
  /// Notified when buffer space is given back, records are reported, or
  /// the actor stopped.
  std::condition_variable changed;
  std::deque<outgoing_record> incoming;
  /// Charges of every record sent and not yet reported.
  std::size_t buffered_bytes = 0;
  /// Serials of records sent and not yet reported.
  unreported_serials unreported;
  std::uint64_t next_serial = 0;
  /// Threads inside flush(): while > 0 the actor sends batches at once.
  int flushing = 0;
  /// A wakeup is on its way to the actor (one is enough).
  bool wakeup_sent = false;
  /// close() was called: send() refuses records.
  bool closed = false;
  /// The actor has terminated: nothing will be reported any more.
  bool stopped = false;
};

/// Gives back the buffer space of reported records and wakes waiters.
/// `serials` and `charge` sum up the records just reported.
void release(producer_shared& shared, const std::vector<std::uint64_t>& serials, std::size_t charge);

struct txn_state;

/// A callback that counts `report`'s failed deliveries in the open
/// transaction of `txn`, then reports (actors/producer_txn.cpp).
producer::callback count_failures(const std::shared_ptr<txn_state>& txn, report_to report);

/// Spawns the producer's actor (actors/producer_actor.cpp).
caf::actor spawn_producer_actor(caf::actor_system& sys, producer_config cfg, std::int64_t producer_id,
                                std::int16_t epoch, std::shared_ptr<producer_shared> shared);

} // namespace rivulet::actors::detail
