#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "runtime/group/assignors.hpp"

using namespace rivulet::group;

namespace {

using tps = std::vector<topic_partition>;

member_subscription sub(std::string id, std::vector<std::string> topics, tps owned = {},
                        std::int32_t generation = -1) {
  return {std::move(id), std::move(topics), std::move(owned), generation};
}

tps range_of(const std::string& t, std::int32_t from, std::int32_t to) {
  tps out;
  for (std::int32_t p = from; p < to; ++p)
    out.push_back({t, p});
  return out;
}

// Every partition of `counts` appears exactly once in `a`.
void check_exactly_once(const assignment& a, const partition_counts& counts) {
  std::multiset<topic_partition> seen;
  for (const auto& kv : a)
    seen.insert(kv.second.begin(), kv.second.end());
  std::size_t total = 0;
  for (const auto& [t, n] : counts) {
    total += static_cast<std::size_t>(n);
    for (std::int32_t p = 0; p < n; ++p)
      CHECK(seen.count({t, p}) == 1);
  }
  CHECK(seen.size() == total);
}

// Owned partitions that are no longer with their owner.
std::size_t moved(const std::vector<member_subscription>& members, const assignment& a) {
  std::size_t n = 0;
  for (const auto& m : members) {
    const auto& now = a.at(m.member_id);
    for (const auto& tp : m.owned)
      if (std::find(now.begin(), now.end(), tp) == now.end())
        ++n;
  }
  return n;
}

std::vector<member_subscription> next_round(const std::vector<member_subscription>& members,
                                            const assignment& a) {
  auto out = members;
  for (auto& m : out)
    m.owned = a.at(m.member_id);
  return out;
}

} // namespace

TEST_CASE("range splits each topic into contiguous ranges, first members taking the extra",
          "[group]") {
  partition_counts counts = {{"t0", 3}, {"t1", 3}};
  auto a = assign_range({sub("c1", {"t0", "t1"}), sub("c0", {"t0", "t1"})}, counts);
  CHECK(a.at("c0") == tps{{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}});
  CHECK(a.at("c1") == tps{{"t0", 2}, {"t1", 2}});

  auto b = assign_range({sub("a", {"t"}), sub("b", {"t"}), sub("c", {"t"}), sub("d", {"u"})},
                        {{"t", 7}, {"u", 1}});
  CHECK(b.at("a") == range_of("t", 0, 3));
  CHECK(b.at("b") == range_of("t", 3, 5));
  CHECK(b.at("c") == range_of("t", 5, 7));
  CHECK(b.at("d") == tps{{"u", 0}});
}

TEST_CASE("round-robin deals sorted partitions over sorted members", "[group]") {
  partition_counts counts = {{"t0", 3}, {"t1", 3}};
  auto a = assign_round_robin({sub("c0", {"t0", "t1"}), sub("c1", {"t0", "t1"})}, counts);
  CHECK(a.at("c0") == tps{{"t0", 0}, {"t0", 2}, {"t1", 1}});
  CHECK(a.at("c1") == tps{{"t0", 1}, {"t1", 0}, {"t1", 2}});
}

TEST_CASE("round-robin skips members not subscribed to a partition's topic", "[group]") {
  // Kafka's documented example for unequal subscriptions.
  partition_counts counts = {{"t0", 1}, {"t1", 2}, {"t2", 3}};
  auto a = assign_round_robin(
    {sub("c0", {"t0"}), sub("c1", {"t0", "t1"}), sub("c2", {"t0", "t1", "t2"})}, counts);
  CHECK(a.at("c0") == tps{{"t0", 0}});
  CHECK(a.at("c1") == tps{{"t1", 0}});
  CHECK(a.at("c2") == tps{{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}});
  check_exactly_once(a, counts);
}

TEST_CASE("sticky moves only what a joining member needs", "[group]") {
  partition_counts counts = {{"t", 6}};
  std::vector<member_subscription> ms = {sub("a", {"t"}, range_of("t", 0, 3)),
                                         sub("b", {"t"}, range_of("t", 3, 6)), sub("c", {"t"})};
  auto a = assign_sticky(ms, counts);
  check_exactly_once(a, counts);
  CHECK(a.at("a").size() == 2);
  CHECK(a.at("b").size() == 2);
  CHECK(a.at("c").size() == 2);
  CHECK(moved(ms, a) == 2);
  // The old members keep a subset of what they had.
  for (const auto& tp : a.at("a"))
    CHECK(tp.partition < 3);
  for (const auto& tp : a.at("b"))
    CHECK(tp.partition >= 3);
}

TEST_CASE("sticky hands a departed member's partitions to the others and moves nothing else",
          "[group]") {
  partition_counts counts = {{"t", 6}, {"u", 3}};
  std::vector<member_subscription> ms = {
    sub("a", {"t", "u"}, {{"t", 0}, {"t", 1}, {"u", 0}}),
    sub("b", {"t", "u"}, {{"t", 2}, {"t", 3}, {"u", 1}}),
    // c owned {t4, t5, u2} and left.
  };
  auto a = assign_sticky(ms, counts);
  check_exactly_once(a, counts);
  CHECK(moved(ms, a) == 0);
  CHECK(std::max(a.at("a").size(), a.at("b").size()) == 5);
  CHECK(std::min(a.at("a").size(), a.at("b").size()) == 4);
}

TEST_CASE("sticky assignments are balanced and move the fewest owned partitions", "[group]") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::int32_t parts = 1 + static_cast<std::int32_t>(rng() % 20);
    std::size_t before = 1 + rng() % 5;
    partition_counts counts = {{"t", parts}};
    std::vector<member_subscription> ms;
    for (std::size_t i = 0; i < before; ++i)
      ms.push_back(sub("m" + std::to_string(i), {"t"}));
    // Random previous ownership, then some members leave or join.
    for (std::int32_t p = 0; p < parts; ++p)
      if (rng() % 4 != 0)
        ms[rng() % ms.size()].owned.push_back({"t", p});
    if (rng() % 2 && ms.size() > 1)
      ms.erase(ms.begin() + static_cast<std::ptrdiff_t>(rng() % ms.size()));
    for (std::size_t j = rng() % 3; j > 0; --j)
      ms.push_back(sub("n" + std::to_string(j), {"t"}));

    auto a = assign_sticky(ms, counts);
    check_exactly_once(a, counts);
    std::size_t lo = SIZE_MAX, hi = 0;
    for (const auto& kv : a) {
      lo = std::min(lo, kv.second.size());
      hi = std::max(hi, kv.second.size());
    }
    CHECK(hi - lo <= 1);
    // Lower bound: the (parts % n) largest owners may keep q + 1, others q.
    std::size_t n = ms.size(), q = static_cast<std::size_t>(parts) / n;
    std::size_t extra = static_cast<std::size_t>(parts) % n;
    std::vector<std::size_t> owned;
    for (const auto& m : ms)
      owned.push_back(m.owned.size());
    std::sort(owned.rbegin(), owned.rend());
    std::size_t bound = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t cap = q + (i < extra ? 1 : 0);
      bound += owned[i] > cap ? owned[i] - cap : 0;
    }
    CHECK(moved(ms, a) == bound);
  }
}

TEST_CASE("sticky drops conflicting claims of one generation and honours a newer claim",
          "[group]") {
  partition_counts counts = {{"t", 2}};
  auto tie = assign_sticky({sub("a", {"t"}, {{"t", 0}}, 3), sub("b", {"t"}, {{"t", 0}}, 3)}, counts);
  check_exactly_once(tie, counts);
  auto newer =
    assign_sticky({sub("a", {"t"}, {{"t", 0}}, 3), sub("b", {"t"}, {{"t", 0}}, 4)}, counts);
  CHECK(newer.at("b") == tps{{"t", 0}});
  CHECK(newer.at("a") == tps{{"t", 1}});
}

TEST_CASE("cooperative-sticky revokes a moving partition first and assigns it a round later",
          "[group]") {
  partition_counts counts = {{"t", 6}};
  std::vector<member_subscription> ms = {sub("a", {"t"}, range_of("t", 0, 3)),
                                         sub("b", {"t"}, range_of("t", 3, 6)), sub("c", {"t"})};
  // Round 1: a and b each give up one partition, but c does not get it yet.
  auto r1 = assign_cooperative_sticky(ms, counts);
  CHECK(r1.at("a").size() == 2);
  CHECK(r1.at("b").size() == 2);
  CHECK(r1.at("c").empty());
  CHECK(moved(ms, r1) == 2);
  // Round 2: the members rejoin owning what they kept; c gets the freed two.
  auto ms2 = next_round(ms, r1);
  auto r2 = assign_cooperative_sticky(ms2, counts);
  check_exactly_once(r2, counts);
  CHECK(r2.at("a") == r1.at("a"));
  CHECK(r2.at("b") == r1.at("b"));
  CHECK(r2.at("c").size() == 2);
  CHECK(moved(ms2, r2) == 0);
}

TEST_CASE("every assignor gives each subscribed partition to exactly one subscribed member",
          "[group]") {
  partition_counts counts = {{"a", 5}, {"b", 3}, {"c", 4}, {"unused", 2}};
  std::vector<member_subscription> ms = {sub("m3", {"a", "b"}), sub("m1", {"a", "c"}),
                                         sub("m2", {"b", "c", "missing"}),
                                         sub("m4", {"a", "b", "c"}, {{"a", 0}, {"c", 3}}, 2)};
  partition_counts subscribed = {{"a", 5}, {"b", 3}, {"c", 4}};
  for (auto fn : {assign_range, assign_round_robin, assign_sticky}) {
    auto a = fn(ms, counts);
    check_exactly_once(a, subscribed);
    for (const auto& m : ms)
      for (const auto& tp : a.at(m.member_id))
        CHECK(std::find(m.topics.begin(), m.topics.end(), tp.topic) != m.topics.end());
  }
}
