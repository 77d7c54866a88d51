#pragma once

// A deterministic three-replica partition (state::partition_replica, no
// actors) for state tests: real directories, an in-order in-memory network,
// lock-step rounds.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "runtime/record_batch_layout.hpp"
#include "state/log/batch_header.hpp"
#include "state/partition/replica.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/temp_dir.hpp"

namespace rivulet::testing {

/// One stored batch cut out of fetched bytes.
struct stored_batch {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::string bytes;
};

/// The batches in `bytes` (as fetch returns them), in order.
inline std::vector<stored_batch> split(const std::string& bytes) {
  std::vector<stored_batch> out;
  for (std::size_t pos = 0; pos + batch_format::layout::header_size <= bytes.size();) {
    auto h = state::decode_batch_header(bytes.data() + pos);
    out.push_back({h.base_offset, h.last_offset(), bytes.substr(pos, h.size())});
    pos += h.size();
  }
  return out;
}

/// Three replicas of group 7 in three directories, driven in lock step: every
/// round ticks each live replica once and delivers every message (FIFO) until
/// the network is quiet. Messages to a closed replica are dropped. Fully
/// deterministic: same seed, same run.
class replica_cluster {
public:
  static constexpr int size = 3;

  /// `seed` is every replica's election seed (raft_node mixes in the id).
  explicit replica_cluster(std::uint64_t seed = 42) : seed_(seed) {
    for (int i = 0; i < size; ++i)
      open(i);
  }

  state::replica_config config_of(int i) const {
    state::replica_config c;
    c.id = raft::node_id{i + 1};
    c.voters = {raft::node_id{1}, raft::node_id{2}, raft::node_id{3}};
    c.group = raft::group_id{7};
    c.election_ticks = 10;
    c.heartbeat_ticks = 2;
    c.log = log_batches::small_segments();
    c.seed = seed_;
    return c;
  }

  void open(int i) {
    auto r = state::partition_replica::open(dirs_[i].path(), config_of(i));
    INFO(r.error().to_string());
    REQUIRE(r.ok());
    replicas_[i].emplace(std::move(r).value());
    collect(i);
  }

  /// Drops replica `i` as a crash would: no flush, no goodbye.
  void close(int i) {
    replicas_[i].reset();
  }

  bool up(int i) const {
    return replicas_[i].has_value();
  }
  state::partition_replica& at(int i) {
    REQUIRE(up(i));
    return *replicas_[i];
  }

  /// Pumps replica `i` and queues what it sends.
  void collect(int i) {
    auto& r = at(i);
    for (auto& m : r.pump())
      net_.push_back(std::move(m));
    REQUIRE(r.health().ok());
  }

  void deliver() {
    for (int n = 0; n < 100000 && !net_.empty(); ++n) {
      auto m = std::move(net_.front());
      net_.pop_front();
      int to = static_cast<int>(m.to.value) - 1;
      if (!up(to))
        continue;
      at(to).step(m);
      collect(to);
    }
    REQUIRE(net_.empty());
  }

  void round() {
    for (int i = 0; i < size; ++i) {
      if (!up(i))
        continue;
      at(i).tick();
      collect(i);
    }
    deliver();
  }

  /// Runs rounds until `done` holds; fails after `max_rounds`.
  void run_until(const std::function<bool()>& done, int max_rounds = 500) {
    for (int n = 0; n < max_rounds; ++n) {
      if (done())
        return;
      round();
    }
    REQUIRE(done());
  }

  /// The single live leader of the highest term, if any.
  std::optional<int> leader() {
    std::optional<int> found;
    for (int i = 0; i < size; ++i)
      if (up(i) && at(i).is_leader() && (!found || at(i).term() > at(*found).term()))
        found = i;
    return found;
  }

  int elect() {
    run_until([&] { return leader().has_value(); });
    return *leader();
  }

  /// True when every live replica has committed and applied all of the
  /// leader's log.
  bool converged() {
    auto l = leader();
    if (!l)
      return false;
    auto end = at(*l).log_end_offset();
    for (int i = 0; i < size; ++i)
      if (up(i) && (at(i).log_end_offset() != end || at(i).high_watermark() != end))
        return false;
    return true;
  }

  /// Every committed byte replica `i` holds.
  std::string fetch_all(int i) {
    auto r = at(i).fetch(0, log_batches::all);
    INFO(r.error().to_string());
    REQUIRE(r.ok());
    return *r;
  }

private:
  std::uint64_t seed_;
  temp_dir dirs_[size];
  std::optional<state::partition_replica> replicas_[size];
  std::deque<raft::message> net_;
};

} // namespace rivulet::testing
