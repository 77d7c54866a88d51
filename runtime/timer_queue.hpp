#pragma once

// Timers of one keyed operator, by time, deduplicated per (time, key,
// namespace) as in Flink's timer service. The namespace is the window for
// window operators and `no_namespace` for process functions.

#include <map>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/key_hash.hpp"
#include "runtime/time.hpp"

namespace rivulet {

struct no_namespace {
  friend bool operator==(no_namespace, no_namespace) noexcept {
    return true;
  }
};
template <>
struct key_hash<no_namespace> {
  std::uint64_t operator()(no_namespace) const noexcept {
    return 0;
  }
};

template <class K, class N>
class timer_queue {
public:
  struct timer {
    timestamp time;
    K key;
    N ns;
    friend bool operator==(const timer& a, const timer& b) {
      return a.time == b.time && a.key == b.key && a.ns == b.ns;
    }
  };

  /// Adds a timer; a second identical one is ignored.
  void add(timestamp time, const K& key, const N& ns) {
    timer t{time, key, ns};
    if (live_.insert(t).second)
      by_time_[time].push_back(std::move(t));
  }

  /// Removes a timer if present.
  void remove(timestamp time, const K& key, const N& ns) {
    live_.erase(timer{time, key, ns});
  }

  /// Fires, in time order, every live timer with time <= `limit`, including
  /// ones that firing adds at or below it. fn(const timer&).
  template <class F>
  void advance(timestamp limit, F&& fn) {
    while (!by_time_.empty() && by_time_.begin()->first <= limit) {
      auto batch = std::move(by_time_.begin()->second);
      by_time_.erase(by_time_.begin());
      for (auto& t : batch) {
        auto it = live_.find(t);
        if (it == live_.end())
          continue;  // deleted
        live_.erase(it);
        fn(t);
      }
    }
  }

  /// Earliest time a live timer may fire (deleted ones may still count).
  std::optional<timestamp> next_time() const {
    if (by_time_.empty())
      return std::nullopt;
    return by_time_.begin()->first;
  }

  std::size_t size() const noexcept {
    return live_.size();
  }

private:
  struct timer_hash {
    std::size_t operator()(const timer& t) const {
      return static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(t.time)) ^ key_hash<K>{}(t.key)
                                      ^ (key_hash<N>{}(t.ns) * 31));
    }
  };
  std::map<timestamp, std::vector<timer>> by_time_;
  std::unordered_set<timer, timer_hash> live_;
};

} // namespace rivulet
