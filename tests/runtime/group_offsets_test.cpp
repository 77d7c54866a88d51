#include <catch2/catch.hpp>

#include "runtime/group/group_coordinator.hpp"

using namespace rivulet::group;

namespace {

group_config config() {
  group_config c;
  c.group_id = "g";
  c.initial_rebalance_delay_ms = 0;
  c.offset_metadata_max_bytes = 8;
  return c;
}

join_request request(std::string id) {
  join_request r;
  r.member_id = std::move(id);
  r.client_id = "c";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 30000;
  r.protocol_type = "consumer";
  r.protocols = {{"range", {}}};
  return r;
}

// One member through join; returns its id. The group is CompletingRebalance.
std::string join_one(group_coordinator& g, std::int64_t now) {
  auto r = g.join(request(""), now);
  std::string id = r->member_id;
  g.join(request(id), now);
  g.take_completions();
  return id;
}

std::vector<offset_commit> one(const std::string& topic, std::int32_t p, std::int64_t offset,
                               std::optional<std::string> meta = std::nullopt) {
  return {offset_commit{{topic, p}, offset, std::move(meta)}};
}

error_code only_error(const offset_commit_result& r) {
  REQUIRE(r.errors.size() == 1);
  return r.errors[0].second;
}

} // namespace

TEST_CASE("an offset commit from a stale generation is rejected", "[group]") {
  group_coordinator g{config()};
  std::string a = join_one(g, 0);
  REQUIRE(g.sync(a, 1, {}, 0));
  CHECK(only_error(g.commit_offsets(a, 1, one("t", 0, 10), 1)) == error_code::none);
  // The member rejoins: generation 2. A zombie still on generation 1 must
  // not overwrite newer offsets.
  g.join(request(a), 2);
  g.take_completions();
  REQUIRE(g.sync(a, 2, {}, 2));
  auto stale = g.commit_offsets(a, 1, one("t", 0, 5), 3);
  CHECK(only_error(stale) == error_code::illegal_generation);
  CHECK(stale.records.empty());
  CHECK(g.fetch_offsets({{{"t", 0}}})[0].offset == 10);
  CHECK(only_error(g.commit_offsets("ghost", 2, one("t", 0, 5), 3)) == error_code::unknown_member_id);
}

TEST_CASE("a commit with generation -1 is accepted only while the group is Empty", "[group]") {
  group_coordinator g{config()};
  CHECK(g.state() == group_state::empty);
  auto r = g.commit_offsets("", -1, one("t", 0, 42), 5);
  CHECK(only_error(r) == error_code::none);
  CHECK(r.records.size() == 1);
  CHECK(g.fetch_offsets({{{"t", 0}}})[0].offset == 42);

  std::string a = join_one(g, 10);
  REQUIRE(g.sync(a, 1, {}, 10));
  CHECK(g.state() == group_state::stable);
  CHECK(only_error(g.commit_offsets("", -1, one("t", 0, 7), 11)) == error_code::unknown_member_id);
  CHECK(g.fetch_offsets({{{"t", 0}}})[0].offset == 42);
}

TEST_CASE("a commit while the group completes a rebalance gets REBALANCE_IN_PROGRESS", "[group]") {
  group_coordinator g{config()};
  std::string a = join_one(g, 0);
  CHECK(g.state() == group_state::completing_rebalance);
  CHECK(only_error(g.commit_offsets(a, 1, one("t", 0, 1), 1)) == error_code::rebalance_in_progress);
  REQUIRE(g.sync(a, 1, {}, 1));
  // In PreparingRebalance the old generation may still commit (a consumer
  // commits what it processed before it rejoins).
  std::string b = g.join(request(""), 2)->member_id;
  g.join(request(b), 2);
  CHECK(g.state() == group_state::preparing_rebalance);
  CHECK(only_error(g.commit_offsets(a, 1, one("t", 0, 3), 3)) == error_code::none);
}

TEST_CASE("metadata over the limit is refused for that partition only", "[group]") {
  group_coordinator g{config()};
  std::vector<offset_commit> cs = one("t", 0, 1, "short");
  cs.push_back(one("t", 1, 2, "far too long").front());
  auto r = g.commit_offsets("", -1, cs, 1);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].second == error_code::none);
  CHECK(r.errors[1].second == error_code::offset_metadata_too_large);
  CHECK(r.records.size() == 1);
  auto f = g.fetch_offsets(std::nullopt);
  REQUIRE(f.size() == 1);
  CHECK(f[0].metadata == std::string("short"));
}

TEST_CASE("fetching a partition without a commit answers offset -1", "[group]") {
  group_coordinator g{config()};
  auto f = g.fetch_offsets({{{"t", 3}}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].offset == -1);
  CHECK(f[0].error == error_code::none);
}

TEST_CASE("replaying commit records reproduces the committed offsets", "[group]") {
  group_coordinator g{config()};
  std::vector<coordinator_record> log;
  auto append = [&](const std::vector<coordinator_record>& rs) {
    log.insert(log.end(), rs.begin(), rs.end());
  };
  append(g.commit_offsets("", -1, one("a", 0, 10, "m0"), 100).records);
  append(g.commit_offsets("", -1, one("a", 1, 20), 101).records);
  append(g.commit_offsets("", -1, one("b", 0, 30, ""), 102).records);
  append(g.commit_offsets("", -1, one("a", 0, 11, "m1"), 103).records); // overwrites
  append(g.delete_offsets({{"b", 0}}).second);                           // tombstone
  append(g.commit_offsets("", -1, one("c", 7, 70), 104).records);

  group_coordinator restored{config()};
  for (const auto& r : log)
    REQUIRE(restored.replay(r).ok());
  CHECK(restored.offsets().all() == g.offsets().all());
  REQUIRE(restored.offsets().all().size() == 3);
  auto a0 = restored.offsets().get({"a", 0});
  REQUIRE(a0);
  CHECK(*a0 == committed_offset{11, std::string("m1"), 103});
  CHECK_FALSE(restored.offsets().get({"b", 0}));
}

TEST_CASE("an offset record has the documented byte layout", "[group]") {
  auto r = encode_offset_record("g", {"t", 2}, committed_offset{5, std::string("m"), 9});
  CHECK(r.key == bytes{1, 0, 0, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 2});
  REQUIRE(r.value);
  CHECK(*r.value == bytes{0, 0,                      // value version
                          0, 0, 0, 0, 0, 0, 0, 5,    // offset
                          0, 0, 0, 1, 'm',           // metadata
                          0, 0, 0, 0, 0, 0, 0, 9});  // commit time
  auto tomb = encode_offset_record("g", {"t", 2}, std::nullopt);
  CHECK(tomb.key == r.key);
  CHECK_FALSE(tomb.value);
  auto d = decode_offset_record(r);
  REQUIRE(d.ok());
  CHECK(d.value->group_id == "g");
  CHECK(d.value->tp == topic_partition{"t", 2});
  CHECK(d.value->value == committed_offset{5, std::string("m"), 9});
}

TEST_CASE("a malformed or foreign offset record is refused without changing state", "[group]") {
  offset_store s{"g"};
  auto good = encode_offset_record("g", {"t", 0}, committed_offset{1, std::nullopt, 2});
  coordinator_record cut{good.key, bytes(good.value->begin(), good.value->end() - 1)};
  CHECK_FALSE(s.replay(cut).ok());
  auto wrong_type = good;
  wrong_type.key[0] = 9;
  CHECK_FALSE(s.replay(wrong_type).ok());
  auto trailing = good;
  trailing.key.push_back(0);
  CHECK_FALSE(s.replay(trailing).ok());
  auto other = encode_offset_record("h", {"t", 0}, committed_offset{1, std::nullopt, 2});
  auto e = s.replay(other);
  CHECK_FALSE(e.ok());
  CHECK(e.error.find("group 'h'") != std::string::npos);
  CHECK(s.all().empty());
  CHECK(s.replay(good).ok());
  CHECK(s.all().size() == 1);
}

TEST_CASE("offsets can be deleted only while the group is Empty", "[group]") {
  group_coordinator g{config()};
  g.commit_offsets("", -1, one("t", 0, 1), 0);
  join_one(g, 1);
  auto [e, records] = g.delete_offsets({{"t", 0}});
  CHECK(e == error_code::non_empty_group);
  CHECK(records.empty());
  CHECK(g.offsets().get({"t", 0}));
}
