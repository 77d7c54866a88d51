#pragma once

// A deterministic raft cluster for tests: nodes over in_memory_log storage,
// a simulated network (drop, duplicate, delay, reorder, partition), crashes
// and restarts, and checkers of the raft safety properties run after every
// step. Everything derives from one seed, so a failing seed replays exactly.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/raft/raft_log_storage.hpp"
#include "runtime/raft/raft_node.hpp"

namespace rivulet::raft::testing {

/// Faults the network injects; probabilities per message.
struct network_faults {
  double drop = 0.0;
  double duplicate = 0.0;
  /// Extra delay in [0, max_delay_ticks] drawn per message; reorders too.
  int max_delay_ticks = 0;
};

/// splitmix64, the same generator the nodes use.
class sim_rng {
public:
  explicit sim_rng(std::uint64_t seed) : state_(seed) {
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return n == 0 ? 0 : next() % n;
  }
  bool chance(double p) {
    return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
  }

private:
  std::uint64_t state_;
};

/// A cluster of raft_nodes with ids 1..n driven tick by tick.
class raft_sim {
public:
  raft_sim(int n, std::uint64_t seed, raft_config base = {}) : rng_(seed), seed_(seed) {
    for (int i = 1; i <= n; ++i)
      base.voters.push_back(node_id{i});
    base_ = base;
    for (int i = 1; i <= n; ++i) {
      auto& r = replicas_[node_id{i}];
      r.storage = std::make_unique<in_memory_log>();
      start(node_id{i});
    }
  }

  // ---- setup --------------------------------------------------------------

  /// Replaces node `id`'s durable state and restarts it from there.
  void preload(int id, const std::vector<std::pair<std::uint64_t, std::string>>& terms_payloads,
               hard_state hs) {
    auto& r = at(node_id{id});
    r.storage = std::make_unique<in_memory_log>();
    std::vector<log_entry> es;
    for (const auto& [t, p] : terms_payloads)
      es.push_back(log_entry{term_id{t}, log_index{es.size() + 1}, entry_kind::normal, p});
    r.storage->append(es);
    r.hs = hs;
    for (const auto& e : es)
      record_link(r, e, e.index.value == 1 ? term_id{} : es[e.index.value - 2].term);
    start(node_id{id});
  }

  network_faults faults;

  // ---- access -------------------------------------------------------------

  raft_node& node(int id) {
    return *at(node_id{id}).node;
  }
  const in_memory_log& storage(int id) {
    return *at(node_id{id}).storage;
  }
  int size() const {
    return static_cast<int>(replicas_.size());
  }
  std::uint64_t now() const {
    return now_;
  }
  bool alive(int id) {
    return at(node_id{id}).alive;
  }
  /// Entries node `id` applied to its state machine, in order.
  const std::vector<log_entry>& applied(int id) {
    return at(node_id{id}).applied;
  }
  /// The first violated invariant, empty while all hold.
  const std::string& violation() const {
    return violation_;
  }
  /// Leaders right now (alive nodes in the leader role), in id order.
  std::vector<int> leaders() {
    std::vector<int> out;
    for (auto& [id, r] : replicas_)
      if (r.alive && r.node->role() == raft_role::leader)
        out.push_back(static_cast<int>(id.value));
    return out;
  }

  // ---- network ------------------------------------------------------------

  struct in_flight {
    std::uint64_t deliver_at;
    std::uint64_t order;
    message msg;
  };
  /// Messages sent and not yet delivered or dropped.
  std::vector<in_flight>& network() {
    return net_;
  }
  /// Splits the nodes into groups that cannot talk to each other; nodes not
  /// listed form one more group.
  void partition(const std::vector<std::vector<int>>& groups) {
    for (auto& [id, r] : replicas_)
      r.side = 0;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (int id : groups[g])
        at(node_id{id}).side = static_cast<int>(g) + 1;
  }
  void isolate(int id) {
    partition({{id}});
  }
  void heal() {
    partition({});
  }
  bool connected(node_id a, node_id b) {
    return at(a).side == at(b).side;
  }
  /// Drops every in-flight message matching `pred`.
  void drop_if(const std::function<bool(const message&)>& pred) {
    net_.erase(std::remove_if(net_.begin(), net_.end(),
                              [&](const in_flight& f) { return pred(f.msg); }),
               net_.end());
  }
  /// Delivers in-flight messages matching `pred` once (not their answers).
  void deliver_if(const std::function<bool(const message&)>& pred) {
    std::vector<in_flight> due;
    auto keep = std::stable_partition(net_.begin(), net_.end(),
                                      [&](const in_flight& f) { return !pred(f.msg); });
    due.assign(keep, net_.end());
    net_.erase(keep, net_.end());
    for (auto& f : due)
      deliver(f.msg);
  }
  /// Delivers everything, answers included, until the network is quiet
  /// (bounded by `rounds`); ignores delays.
  void deliver_all(int rounds = 1000) {
    for (int i = 0; i < rounds && !net_.empty(); ++i)
      deliver_if([](const message&) { return true; });
  }

  // ---- driving ------------------------------------------------------------

  void tick(int id) {
    auto& r = at(node_id{id});
    if (!r.alive)
      return;
    r.node->tick();
    drain(r);
    check();
  }
  /// One simulated tick: tick every live node, then deliver what is due.
  void tick_all() {
    ++now_;
    for (auto& [id, r] : replicas_)
      tick(static_cast<int>(id.value));
    std::vector<in_flight> due;
    auto keep = std::stable_partition(net_.begin(), net_.end(),
                                      [&](const in_flight& f) { return f.deliver_at > now_; });
    due.assign(keep, net_.end());
    net_.erase(keep, net_.end());
    std::sort(due.begin(), due.end(), [](const in_flight& a, const in_flight& b) {
      return std::tie(a.deliver_at, a.order) < std::tie(b.deliver_at, b.order);
    });
    for (auto& f : due)
      deliver(f.msg);
  }
  /// Ticks node `id` alone until it starts a campaign (bounded).
  void tick_until_campaign(int id) {
    auto& n = node(id);
    for (int i = 0; i < 1000 && n.role() == raft_role::follower; ++i)
      tick(id);
  }
  /// Proposes on node `id` and persists the result.
  propose_result propose(int id, std::string payload) {
    auto& r = at(node_id{id});
    auto res = r.node->propose(std::move(payload));
    drain(r);
    check();
    return res;
  }
  /// Calls fn(node) on node `id`, then persists and sends its output.
  template <class F>
  void with_node(int id, F&& fn) {
    auto& r = at(node_id{id});
    fn(*r.node);
    drain(r);
    check();
  }
  /// Stops node `id`: its unpersisted state is lost, its storage survives.
  void crash(int id) {
    at(node_id{id}).alive = false;
  }
  /// Restarts a crashed node from its storage and persisted hard state.
  void restart(int id) {
    start(node_id{id});
  }

  // ---- checkers -----------------------------------------------------------

  /// Full pairwise log-matching scan of the durable logs (slower; the
  /// incremental checks in persist() cover the same property per entry).
  void check_logs_pairwise() {
    for (auto& [a, ra] : replicas_)
      for (auto& [b, rb] : replicas_) {
        if (!(a < b))
          continue;
        const auto& la = ra.storage->all();
        const auto& lb = rb.storage->all();
        auto n = std::min(la.size(), lb.size());
        std::size_t top = 0; // highest index with equal terms
        for (std::size_t i = n; i > 0; --i)
          if (la[i - 1].term == lb[i - 1].term) {
            top = i;
            break;
          }
        for (std::size_t i = 0; i < top; ++i)
          if (la[i] != lb[i])
            fail("log matching: nodes differ below a common (index, term)");
      }
  }

private:
  struct replica {
    std::unique_ptr<in_memory_log> storage;
    hard_state hs;
    std::unique_ptr<raft_node> node;
    std::vector<log_entry> applied;
    bool alive = true;
    int side = 0;
    raft_role last_role = raft_role::follower;
    log_index last_commit;
  };

  replica& at(node_id id) {
    return replicas_.at(id);
  }

  void start(node_id id) {
    auto& r = at(id);
    auto cfg = base_;
    cfg.id = id;
    cfg.seed = seed_ * 7919 + static_cast<std::uint64_t>(id.value) + restarts_++ * 104729;
    r.node = std::make_unique<raft_node>(cfg, *r.storage, r.hs, log_index{});
    r.applied.clear(); // the state machine replays from the log
    r.alive = true;
    r.last_role = raft_role::follower;
    r.last_commit = r.hs.commit;
  }

  void fail(const std::string& what) {
    if (violation_.empty()) {
      std::ostringstream os;
      os << what << " (seed " << seed_ << ", tick " << now_ << ")";
      violation_ = os.str();
    }
  }

  // Remembers, per (index, term), the entry and its predecessor's term; two
  // logs agreeing on (index, term) then agree on the whole prefix.
  void record_link(replica&, const log_entry& e, term_id prev_term) {
    auto key = std::make_pair(e.index.value, e.term.value);
    auto it = links_.find(key);
    if (it == links_.end())
      links_.emplace(key, std::make_pair(e, prev_term));
    else if (it->second.first != e || it->second.second != prev_term)
      fail("log matching: two different entries share an index and term");
  }

  void persist(replica& r, const ready& rd) {
    auto first_new = rd.truncate_from ? rd.truncate_from
                                      : (rd.entries.empty() ? std::nullopt
                                                            : std::optional{rd.entries.front().index});
    if (first_new && *first_new <= r.storage->last_index() && *first_new <= r.hs.commit)
      fail("a committed entry was truncated");
    if (rd.state) {
      if (rd.state->term < r.hs.term)
        fail("persisted term went backwards");
      if (rd.state->term == r.hs.term && r.hs.voted_for && rd.state->voted_for != r.hs.voted_for)
        fail("a node changed its vote within a term");
      r.hs = *rd.state;
    }
    persist_entries(*r.storage, rd);
    for (const auto& e : rd.entries)
      record_link(r, e, *r.storage->term_at(e.index.prev()));
  }

  void apply(replica& r, const std::vector<log_entry>& entries) {
    for (const auto& e : entries) {
      if (e.index.value != r.applied.size() + 1) {
        fail("entries applied out of order");
        return;
      }
      r.applied.push_back(e);
      if (committed_.size() < e.index.value)
        committed_.push_back(e);
      else if (committed_[e.index.value - 1] != e)
        fail("state machine safety: two nodes applied different entries at one index");
    }
  }

  void drain(replica& r) {
    for (int i = 0; i < 100 && r.node->has_ready(); ++i) {
      auto rd = r.node->take_ready();
      persist(r, rd);
      for (const auto& m : rd.messages)
        send(m);
      apply(r, rd.committed_entries);
      r.node->advance(rd);
    }
  }

  void send(const message& m) {
    if (rng_.chance(faults.drop))
      return;
    int copies = rng_.chance(faults.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      auto delay = 1 + rng_.below(static_cast<std::uint64_t>(faults.max_delay_ticks) + 1);
      net_.push_back(in_flight{now_ + delay, order_++, m});
    }
  }

  void deliver(const message& m) {
    auto& dst = at(m.to);
    if (!dst.alive || !connected(m.from, m.to))
      return;
    dst.node->step(m);
    drain(dst);
    check();
  }

  // Checks run after every step.
  void check() {
    for (auto& [id, r] : replicas_) {
      if (!r.alive)
        continue;
      auto& n = *r.node;
      if (n.role() == raft_role::leader) {
        auto [it, fresh] = leader_of_term_.emplace(n.term().value, id);
        if (!fresh && it->second != id)
          fail("election safety: two leaders in one term");
        if (r.last_role != raft_role::leader)
          check_leader_completeness(r);
      }
      r.last_role = n.role();
      if (n.commit_index() < r.last_commit)
        fail("commit index went backwards");
      r.last_commit = n.commit_index();
    }
  }

  // A new leader holds every entry applied anywhere so far.
  void check_leader_completeness(replica& r) {
    const auto& log = r.node->log();
    for (const auto& e : committed_)
      if (log.term_at(e.index) != e.term) {
        fail("leader completeness: a new leader lacks a committed entry");
        return;
      }
  }

  sim_rng rng_;
  std::uint64_t seed_;
  raft_config base_;
  std::map<node_id, replica> replicas_;
  std::vector<in_flight> net_;
  std::uint64_t now_ = 0;
  std::uint64_t order_ = 0;
  std::uint64_t restarts_ = 0;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<log_entry, term_id>> links_;
  std::map<std::uint64_t, node_id> leader_of_term_;
  std::vector<log_entry> committed_;
  std::string violation_;
};

} // namespace rivulet::raft::testing
