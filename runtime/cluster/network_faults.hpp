#pragma once

// Faults on the links between the nodes of a simulated cluster: drop,
// duplicate, delay (which reorders) and cut links (partitions), decided by a
// seeded generator so a run is reproducible from its seed. CAF-free; the
// node actor consults it for every node-to-node message when one is
// configured (tests and fault-injection experiments only).

#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <utility>

namespace rivulet::cluster {

/// What happens to one message.
struct fault_decision {
  bool drop = false;
  /// 1 normally, 2 when duplicated.
  int copies = 1;
  /// Extra delay before delivery, in milliseconds (0 = none).
  std::int64_t delay_ms = 0;
};

struct network_fault_config {
  std::uint64_t seed = 1;
  double drop_rate = 0.0;
  double duplicate_rate = 0.0;
  /// Probability that a message is delayed by 1..max_delay_ms.
  double delay_rate = 0.0;
  std::int64_t max_delay_ms = 0;
};

/// Shared by the nodes of one simulated cluster; thread safe.
class network_faults {
public:
  explicit network_faults(network_fault_config cfg) : cfg_(cfg), rng_(cfg.seed) {
  }

  /// Decides the fate of one message from node `from` to node `to`.
  fault_decision decide(std::int64_t from, std::int64_t to) {
    std::lock_guard<std::mutex> guard(mtx_);
    fault_decision d;
    ++decided_;
    if (cut_.count({from, to})) {
      d.drop = true;
      ++dropped_;
      return d;
    }
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (coin(rng_) < cfg_.drop_rate) {
      d.drop = true;
      ++dropped_;
      return d;
    }
    if (coin(rng_) < cfg_.duplicate_rate) {
      d.copies = 2;
      ++duplicated_;
    }
    if (cfg_.max_delay_ms > 0 && coin(rng_) < cfg_.delay_rate) {
      d.delay_ms = std::uniform_int_distribution<std::int64_t>(1, cfg_.max_delay_ms)(rng_);
      ++delayed_;
    }
    return d;
  }

  /// Cuts both directions between `a` and `b` until heal().
  void cut(std::int64_t a, std::int64_t b) {
    std::lock_guard<std::mutex> guard(mtx_);
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  /// Cuts `node` off from every node in `others`.
  template <class Ids>
  void isolate(std::int64_t node, const Ids& others) {
    for (auto o : others)
      if (o != node)
        cut(node, o);
  }
  void heal() {
    std::lock_guard<std::mutex> guard(mtx_);
    cut_.clear();
  }
  /// Turns the random faults off (cuts stay), e.g. to let a run settle.
  void calm() {
    std::lock_guard<std::mutex> guard(mtx_);
    cfg_.drop_rate = cfg_.duplicate_rate = cfg_.delay_rate = 0.0;
  }

  struct counters {
    std::uint64_t decided = 0, dropped = 0, duplicated = 0, delayed = 0;
  };
  counters stats() const {
    std::lock_guard<std::mutex> guard(mtx_);
    return {decided_, dropped_, duplicated_, delayed_};
  }

private:
  mutable std::mutex mtx_;
  network_fault_config cfg_;
  std::mt19937_64 rng_;
  std::set<std::pair<std::int64_t, std::int64_t>> cut_;
  std::uint64_t decided_ = 0, dropped_ = 0, duplicated_ = 0, delayed_ = 0;
};

} // namespace rivulet::cluster
