#include "tests/support/raft_wire_checker.hpp"

#include <functional>
#include <string_view>

namespace rivulet::testing {

namespace {

/// The entry's kind and content. A data batch is hashed from its magic byte
/// on: the leader stamps base offset and leader epoch when it stores the
/// batch, so a fresh entry and the same entry read back differ before that.
std::size_t content_hash(const raft::log_entry& e) {
  constexpr std::size_t magic_at = 16;
  std::string_view bytes = e.payload;
  if (bytes.size() > magic_at)
    bytes.remove_prefix(magic_at);
  return std::hash<std::string_view>{}(bytes) * 31 + static_cast<std::size_t>(e.kind);
}

std::string where(std::int64_t group, std::uint64_t term) {
  return "group " + std::to_string(group) + " term " + std::to_string(term);
}

} // namespace

void raft_wire_checker::fail(std::string what) {
  // Keep the first few: one broken invariant tends to repeat every step.
  if (violations_.size() < 20)
    violations_.push_back(std::move(what));
}

void raft_wire_checker::claim_leader(std::int64_t group, std::uint64_t term, std::int64_t node, const char* how) {
  auto& g = groups_[group];
  auto [it, fresh] = g.leader_of_term.emplace(term, node);
  if (fresh) {
    ++stats_.terms_with_leader;
    return;
  }
  if (it->second != node)
    fail(where(group, term) + ": two leaders, node " + std::to_string(it->second) + " and node "
         + std::to_string(node) + " (" + how + ")");
}

void raft_wire_checker::leader_commit(std::int64_t group, std::uint64_t term, std::uint64_t commit) {
  auto& g = groups_[group];
  auto& done = g.commit_done[term];
  if (commit <= done)
    return;
  auto sent = g.sent.find(term);
  if (sent != g.sent.end()) {
    for (auto it = sent->second.upper_bound(done); it != sent->second.end() && it->first <= commit; ++it) {
      auto [c, fresh] = g.committed.emplace(it->first, it->second);
      if (fresh) {
        ++stats_.entries_committed;
        continue;
      }
      if (!(c->second == it->second))
        fail(where(group, term) + ": the leader commits index " + std::to_string(it->first) + " with an entry of term "
             + std::to_string(it->second.term) + ", but an entry of term " + std::to_string(c->second.term)
             + " was committed there before");
    }
  }
  done = commit;
}

void raft_wire_checker::observe(std::int64_t group, const std::vector<raft::message>& msgs) {
  for (auto& m : msgs) {
    ++stats_.messages;
    auto term = m.term.value;
    auto from = m.from.value;
    switch (m.type) {
      case raft::message_type::append_request: {
        claim_leader(group, term, from, "append");
        auto& g = groups_[group];
        auto& sent = g.sent[term];
        for (auto& e : m.entries) {
          digest d{e.term.value, content_hash(e)};
          auto [k, fresh] = g.known.emplace(std::make_pair(e.index.value, e.term.value), d.hash);
          if (!fresh && k->second != d.hash)
            fail(where(group, term) + ": two different entries at index " + std::to_string(e.index.value)
                 + " with term " + std::to_string(e.term.value) + " (log matching)");
          // A leader never rewrites its own log within its term.
          auto [s, first] = sent.emplace(e.index.value, d);
          if (!first && !(s->second == d))
            fail(where(group, term) + ": the leader sent two different entries at index "
                 + std::to_string(e.index.value));
        }
        leader_commit(group, term, m.commit.value);
        break;
      }
      case raft::message_type::heartbeat:
        claim_leader(group, term, from, "heartbeat");
        leader_commit(group, term, m.commit.value);
        break;
      case raft::message_type::timeout_now:
        claim_leader(group, term, from, "timeout_now");
        break;
      case raft::message_type::vote_reply: {
        if (m.reject)
          break;
        ++stats_.votes_granted;
        auto& votes = groups_[group].votes;
        auto [v, fresh] = votes.emplace(std::make_pair(term, from), m.to.value);
        if (!fresh && v->second != m.to.value)
          fail(where(group, term) + ": node " + std::to_string(from) + " voted for node "
               + std::to_string(v->second) + " and for node " + std::to_string(m.to.value));
        break;
      }
      default:
        break;
    }
  }
}

void raft_wire_checker::observe(const actors::replica_view& v) {
  if (v.leader != 0 && v.leader == v.node)
    claim_leader(v.group, v.term, v.node, "replica report");
}

std::int64_t raft_wire_checker::leader(std::int64_t group) const {
  auto g = groups_.find(group);
  if (g == groups_.end() || g->second.leader_of_term.empty())
    return 0;
  return g->second.leader_of_term.rbegin()->second;
}

} // namespace rivulet::testing
