#include "runtime/group/assignors.hpp"

#include <algorithm>
#include <set>

namespace rivulet::group {

namespace {

using member_list = std::vector<member_subscription>;

bool subscribes(const member_subscription& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

/// Members sorted by id.
std::vector<const member_subscription*> sorted_members(const member_list& members) {
  std::vector<const member_subscription*> out;
  for (const auto& m : members)
    out.push_back(&m);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->member_id < b->member_id; });
  return out;
}

/// Every member with an empty list, so members with nothing still appear.
assignment empty_assignment(const member_list& members) {
  assignment a;
  for (const auto& m : members)
    a[m.member_id];
  return a;
}

/// Every partition of every topic some member subscribes to, sorted.
std::vector<topic_partition> subscribed_partitions(const member_list& members,
                                                   const partition_counts& counts) {
  std::set<std::string> topics;
  for (const auto& m : members)
    topics.insert(m.topics.begin(), m.topics.end());
  std::vector<topic_partition> out;
  for (const auto& t : topics) {
    auto it = counts.find(t);
    if (it == counts.end())
      continue;
    for (std::int32_t p = 0; p < it->second; ++p)
      out.push_back({t, p});
  }
  return out;
}

void sort_lists(assignment& a) {
  for (auto& kv : a)
    std::sort(kv.second.begin(), kv.second.end());
}

/// Current valid owner of each partition: the claim with the highest
/// generation wins; two claims at the same highest generation cancel out
/// (nobody keeps it), as Kafka's sticky assignor treats such conflicts.
std::map<topic_partition, std::string> valid_owners(const member_list& members,
                                                    const partition_counts& counts) {
  struct claim {
    std::string owner;
    std::int32_t generation;
    bool conflict;
  };
  std::map<topic_partition, claim> claims;
  for (const auto& m : members) {
    for (const auto& tp : m.owned) {
      auto c = counts.find(tp.topic);
      if (c == counts.end() || tp.partition < 0 || tp.partition >= c->second
          || !subscribes(m, tp.topic))
        continue;
      auto [it, fresh] = claims.emplace(tp, claim{m.member_id, m.generation, false});
      if (fresh || it->second.owner == m.member_id)
        continue;
      if (m.generation > it->second.generation)
        it->second = claim{m.member_id, m.generation, false};
      else if (m.generation == it->second.generation)
        it->second.conflict = true;
    }
  }
  std::map<topic_partition, std::string> out;
  for (const auto& [tp, c] : claims)
    if (!c.conflict)
      out.emplace(tp, c.owner);
  return out;
}

} // namespace

member_subscription to_member_subscription(std::string member_id,
                                           const consumer_subscription& s) {
  member_subscription m;
  m.member_id = std::move(member_id);
  m.topics = s.topics;
  m.owned = flatten(s.owned_partitions);
  m.generation = s.generation;
  return m;
}

assignment assign_range(const member_list& members, const partition_counts& counts) {
  assignment out = empty_assignment(members);
  auto sorted = sorted_members(members);
  for (const auto& [topic, n] : counts) {
    std::vector<const member_subscription*> subs;
    for (auto* m : sorted)
      if (subscribes(*m, topic))
        subs.push_back(m);
    if (subs.empty())
      continue;
    std::int32_t count = static_cast<std::int32_t>(subs.size());
    std::int32_t per = n / count;
    std::int32_t extra = n % count;
    for (std::int32_t i = 0; i < count; ++i) {
      std::int32_t start = per * i + std::min(i, extra);
      std::int32_t len = per + (i < extra ? 1 : 0);
      for (std::int32_t p = start; p < start + len; ++p)
        out[subs[i]->member_id].push_back({topic, p});
    }
  }
  sort_lists(out);
  return out;
}

assignment assign_round_robin(const member_list& members, const partition_counts& counts) {
  assignment out = empty_assignment(members);
  auto sorted = sorted_members(members);
  if (sorted.empty())
    return out;
  std::size_t next = 0;
  for (const auto& tp : subscribed_partitions(members, counts)) {
    // Advance the circle to the next member subscribed to this topic; one
    // exists because the partition comes from some member's subscription.
    for (std::size_t step = 0; step < sorted.size(); ++step) {
      const member_subscription* m = sorted[(next + step) % sorted.size()];
      if (subscribes(*m, tp.topic)) {
        out[m->member_id].push_back(tp);
        next = (next + step + 1) % sorted.size();
        break;
      }
    }
  }
  sort_lists(out);
  return out;
}

assignment assign_sticky(const member_list& members, const partition_counts& counts) {
  assignment out = empty_assignment(members);
  std::map<std::string, const member_subscription*> by_id;
  for (const auto& m : members)
    by_id[m.member_id] = &m;

  // 1. Keep every still-valid owned partition.
  std::set<topic_partition> taken;
  for (const auto& [tp, owner] : valid_owners(members, counts)) {
    out[owner].push_back(tp);
    taken.insert(tp);
  }

  // 2. Free partitions go, in order, to the least-loaded subscribed member
  //    (ties to the smallest id).
  auto least_loaded = [&](const std::string& topic, const std::string* except) {
    const std::string* best = nullptr;
    for (const auto& [id, m] : by_id) {
      if (!subscribes(*m, topic) || (except && id == *except))
        continue;
      if (!best || out[id].size() < out[*best].size())
        best = &id;
    }
    return best;
  };
  for (const auto& tp : subscribed_partitions(members, counts)) {
    if (taken.count(tp))
      continue;
    if (const std::string* id = least_loaded(tp.topic, nullptr))
      out[*id].push_back(tp);
  }

  // 3. Balance: move one partition from the most-loaded member to a member
  //    holding at least two fewer that may take it. Each move lowers the sum
  //    of squared loads, so the loop ends; the bound is a guard.
  std::size_t total = 0;
  for (const auto& kv : out)
    total += kv.second.size();
  for (std::size_t guard = 0; guard <= total * total + 1; ++guard) {
    std::vector<std::string> donors;
    for (const auto& kv : out)
      donors.push_back(kv.first);
    std::stable_sort(donors.begin(), donors.end(), [&](const auto& a, const auto& b) {
      return out[a].size() > out[b].size();
    });
    bool moved = false;
    for (const auto& donor : donors) {
      auto& parts = out[donor];
      std::sort(parts.begin(), parts.end());
      // Give away the highest partitions first, so members keep their low ones.
      for (std::size_t i = parts.size(); i-- > 0;) {
        const std::string* taker = least_loaded(parts[i].topic, &donor);
        if (taker && out[*taker].size() + 2 <= parts.size()) {
          out[*taker].push_back(parts[i]);
          parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i));
          moved = true;
          break;
        }
      }
      if (moved)
        break;
    }
    if (!moved)
      break;
  }
  sort_lists(out);
  return out;
}

assignment assign_cooperative_sticky(const member_list& members, const partition_counts& counts) {
  assignment target = assign_sticky(members, counts);
  auto owners = valid_owners(members, counts);
  for (auto& [id, parts] : target) {
    parts.erase(std::remove_if(parts.begin(), parts.end(),
                               [&, id = id](const topic_partition& tp) {
                                 auto o = owners.find(tp);
                                 return o != owners.end() && o->second != id;
                               }),
                parts.end());
  }
  return target;
}

std::map<std::string, bytes> encode_assignments(const assignment& a) {
  std::map<std::string, bytes> out;
  for (const auto& [id, parts] : a) {
    consumer_assignment ca;
    ca.version = 1;
    ca.partitions = group_by_topic(parts);
    out[id] = encode_assignment(ca);
  }
  return out;
}

} // namespace rivulet::group
