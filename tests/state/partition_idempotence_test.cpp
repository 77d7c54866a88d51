// The idempotent producer check of partition_replica (design 4.6): on one
// replica, across a reopen, across leader changes in the deterministic
// three-replica cluster, and under injected retries.

#include "state/partition/replica.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/log_test_batches.hpp"
#include "tests/support/replica_cluster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using namespace rivulet::raft;
using rivulet::testing::split;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;
using cluster = rivulet::testing::replica_cluster;

namespace {

// A batch of `records` records from producer `id` at `epoch`, first sequence `seq`.
std::string idem(std::int64_t id, std::int16_t epoch, std::int32_t seq, int records = 2) {
  return with_producer(make_batch(records, 16, 1000 + seq), id, epoch, seq);
}

// A single-voter replica in `dir` that leads.
partition_replica sole_leader(const std::filesystem::path& dir) {
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}};
  cfg.group = group_id{1};
  auto r = partition_replica::open(dir, cfg);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  auto rep = std::move(r).value();
  for (int i = 0; i < 50 && !rep.is_leader(); ++i) {
    rep.tick();
    rep.pump();
  }
  REQUIRE(rep.is_leader());
  rep.pump();
  return rep;
}

produce_outcome produce_ok(partition_replica& rep, const std::string& batch) {
  auto r = rep.produce(batch);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return *r;
}

replica_errc produce_error(partition_replica& rep, const std::string& batch) {
  auto r = rep.produce(batch);
  REQUIRE_FALSE(r.ok());
  return r.error().code();
}

// Replica 1 of three, whose peers 2 and 3 grant every vote it asks for.
partition_replica voted_leader(const std::filesystem::path& dir) {
  replica_config cfg;
  cfg.id = node_id{1};
  cfg.voters = {node_id{1}, node_id{2}, node_id{3}};
  cfg.group = group_id{1};
  auto r = partition_replica::open(dir, cfg);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  auto rep = std::move(r).value();
  for (int i = 0; i < 100 && !rep.is_leader(); ++i) {
    rep.tick();
    auto out = rep.pump();
    for (std::size_t k = 0; k < out.size(); ++k) {
      const auto m = out[k];
      if (m.type != message_type::pre_vote_request && m.type != message_type::vote_request)
        continue;
      message g;
      g.type = m.type == message_type::pre_vote_request ? message_type::pre_vote_reply
                                                         : message_type::vote_reply;
      g.from = m.to;
      g.to = m.from;
      g.term = m.term;
      rep.step(g);
      for (auto& next : rep.pump())
        out.push_back(std::move(next));
    }
  }
  REQUIRE(rep.is_leader());
  rep.pump();
  return rep;
}

// An append from node 2 leading `term` that puts a no-op at `index`, after
// the entry (index - 1, prev_term).
message noop_append(term_id term, log_index index, term_id prev_term) {
  message m;
  m.type = message_type::append_request;
  m.from = node_id{2};
  m.to = node_id{1};
  m.term = term;
  m.index = index.prev();
  m.log_term = prev_term;
  m.entries = {log_entry{term, index, entry_kind::noop, {}}};
  return m;
}

using table_row = std::tuple<std::int64_t, std::int16_t, std::int32_t, std::int32_t,
                             std::uint64_t, std::uint64_t, std::int64_t, std::int64_t>;

// The table of `producer_ids` as comparable rows.
std::vector<table_row> rows(const producer_state& s, std::vector<std::int64_t> producer_ids) {
  std::vector<table_row> out;
  for (auto id : producer_ids) {
    auto* e = s.find(id);
    if (!e)
      continue;
    for (const auto& b : e->batches)
      out.emplace_back(id, e->epoch, b.first_seq, b.last_seq, b.index.value, b.term.value,
                       b.base_offset, b.last_offset);
  }
  return out;
}

// (producer id, first sequence, last sequence) of every idempotent batch in
// fetched `bytes`, in log order.
std::vector<std::tuple<std::int64_t, std::int32_t, std::int32_t>>
producer_batches(const std::string& bytes) {
  std::vector<std::tuple<std::int64_t, std::int32_t, std::int32_t>> out;
  for (const auto& b : split(bytes)) {
    auto pb = producer_batch::of(decode_batch_header(b.bytes.data()));
    if (pb.idempotent())
      out.emplace_back(pb.producer_id, pb.first_seq, pb.last_seq);
  }
  return out;
}

} // namespace

TEST_CASE("a retried batch is answered with its original entry and appends nothing",
          "[state][idempotence]") {
  temp_dir tmp;
  auto rep = sole_leader(tmp.path());
  auto b0 = idem(7, 0, 0, 3);
  auto first = produce_ok(rep, b0);
  CHECK_FALSE(first.duplicate);
  // A retry before the original is even stored.
  auto early = produce_ok(rep, b0);
  CHECK(early.duplicate);
  CHECK(early.index == first.index);
  CHECK(early.term == first.term);
  rep.pump();
  auto acks = rep.take_committed();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].index == first.index);
  auto end = rep.log_end_offset();

  auto late = produce_ok(rep, b0);
  CHECK(late.duplicate);
  CHECK(late.index == first.index);
  rep.pump();
  CHECK(rep.take_committed().empty());
  CHECK(rep.log_end_offset() == end);
  // The table names the original offsets, which the caller reads via position().
  auto* p = rep.producers().find(7);
  REQUIRE(p);
  CHECK(p->batches.back().base_offset == acks[0].base_offset);
  CHECK(p->batches.back().last_offset == acks[0].last_offset);
  CHECK(rep.storage().position(late.index)->base_offset == acks[0].base_offset);

  auto next = produce_ok(rep, idem(7, 0, 3));
  CHECK_FALSE(next.duplicate);
  CHECK(next.index == first.index.next());
  // A non-idempotent batch is never checked.
  auto plain = make_batch(1, 8, 1);
  CHECK_FALSE(produce_ok(rep, plain).duplicate);
  CHECK_FALSE(produce_ok(rep, plain).duplicate);
  // The table takes in the unstored entries before it (design 4.6).
  CHECK(produce_ok(rep, idem(7, 0, 5)).index == next.index.next().next().next());
  rep.pump();
}

TEST_CASE("a sequence gap is refused with out_of_order_sequence and appends nothing",
          "[state][idempotence]") {
  temp_dir tmp;
  auto rep = sole_leader(tmp.path());
  produce_ok(rep, idem(7, 0, 0)); // sequences 0-1
  rep.pump();
  auto end = rep.log_end_offset();
  auto r = rep.produce(idem(7, 0, 3));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == replica_errc::out_of_order_sequence);
  CHECK_THAT(r.error().to_string(), Catch::Contains("out_of_order_sequence"));
  CHECK_THAT(r.error().message(), Catch::Contains("expected sequence 2"));
  CHECK(produce_error(rep, idem(7, 0, 1, 1)) == replica_errc::out_of_order_sequence);
  rep.pump();
  CHECK(rep.log_end_offset() == end);
  CHECK_FALSE(produce_ok(rep, idem(7, 0, 2)).duplicate);
  CHECK(rep.health().ok());
}

TEST_CASE("a producer with a stale epoch is fenced", "[state][idempotence]") {
  temp_dir tmp;
  auto rep = sole_leader(tmp.path());
  produce_ok(rep, idem(7, 3, 0));
  CHECK(produce_error(rep, idem(7, 2, 2)) == replica_errc::invalid_producer_epoch);
  // A new epoch must start over at sequence 0.
  CHECK(produce_error(rep, idem(7, 4, 2)) == replica_errc::out_of_order_sequence);
  produce_ok(rep, idem(7, 4, 0));
  auto r = rep.produce(idem(7, 3, 2));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == replica_errc::invalid_producer_epoch);
  CHECK_THAT(r.error().to_string(), Catch::Contains("invalid_producer_epoch"));
  // An idempotent batch needs a sequence and an epoch.
  CHECK(produce_error(rep, idem(7, 4, -1)) == replica_errc::invalid_batch);
  CHECK(produce_error(rep, idem(8, -1, 0)) == replica_errc::invalid_batch);
  rep.pump();
  CHECK(rep.producers().find(7)->epoch == 4);
}

TEST_CASE("the producer table survives a reopen from disk", "[state][idempotence]") {
  temp_dir tmp;
  std::vector<table_row> before;
  produce_outcome last{};
  {
    auto rep = sole_leader(tmp.path());
    for (int i = 0; i < 8; ++i) {
      last = produce_ok(rep, idem(7, 1, 2 * i));
      if (i < 3)
        produce_ok(rep, idem(9, 0, i, 1));
      rep.pump();
    }
    before = rows(rep.producers(), {7, 9});
    REQUIRE(before.size() == 8);
    CHECK(std::get<6>(before.back()) >= 0); // offsets filled in
  }
  auto rep = sole_leader(tmp.path());
  CHECK(rows(rep.producers(), {7, 9}) == before);
  auto retry = produce_ok(rep, idem(7, 1, 14));
  CHECK(retry.duplicate);
  CHECK(retry.index == last.index);
  CHECK(retry.term == last.term);
  CHECK(produce_ok(rep, idem(9, 0, 0, 1)).duplicate);
  CHECK(produce_error(rep, idem(7, 0, 16)) == replica_errc::invalid_producer_epoch);
  CHECK(produce_error(rep, idem(7, 1, 17)) == replica_errc::out_of_order_sequence);
  CHECK_FALSE(produce_ok(rep, idem(7, 1, 16)).duplicate);
}

TEST_CASE("a new leader recognises retries of batches its log holds from the old leader",
          "[state][idempotence]") {
  cluster c;
  int l = c.elect();
  std::vector<produce_outcome> done;
  for (int i = 0; i < 5; ++i) {
    done.push_back(produce_ok(c.at(l), idem(7, 0, 2 * i)));
    c.collect(l);
    c.deliver();
  }
  c.run_until([&] { return c.converged(); });

  SECTION("a batch the old leader committed") {
    auto old_term = c.at(l).term();
    c.close(l); // its ack for the last batch never reached the producer
    int nl = c.elect();
    REQUIRE(nl != l);
    auto end = c.at(nl).log_end_offset();
    auto retry = produce_ok(c.at(nl), idem(7, 0, 8));
    CHECK(retry.duplicate);
    CHECK(retry.index == done.back().index);
    CHECK(retry.term == old_term);
    c.collect(nl);
    c.deliver();
    CHECK(c.at(nl).log_end_offset() == end);
    CHECK_FALSE(produce_ok(c.at(nl), idem(7, 0, 10)).duplicate);
    c.collect(nl);
    c.open(l);
    c.run_until([&] { return c.converged() && c.up(l); });
    auto seen = producer_batches(c.fetch_all(nl));
    REQUIRE(seen.size() == 6);
    for (int i = 0; i < 6; ++i)
      CHECK(seen[i] == std::make_tuple(std::int64_t{7}, 2 * i, 2 * i + 1));
  }

  SECTION("a batch replicated but not committed: the duplicate names the old entry") {
    auto old_term = c.at(l).term();
    auto x = produce_ok(c.at(l), idem(7, 0, 10));
    c.collect(l);
    c.close(l);  // the followers store x; their acks go nowhere
    c.deliver();
    int nl = c.elect();
    REQUIRE(nl != l);
    auto retry = produce_ok(c.at(nl), idem(7, 0, 10));
    CHECK(retry.duplicate);
    CHECK(retry.index == x.index);
    CHECK(retry.term == old_term);
    // The caller waits for it like for a new entry: it commits under the new
    // leader with its old term.
    c.run_until([&] {
      auto pos = c.at(nl).storage().position(retry.index);
      return pos && pos->term == retry.term && c.at(nl).high_watermark() > pos->last_offset;
    });
    c.collect(nl);
    c.deliver();
    CHECK(producer_batches(c.fetch_all(nl)).size() == 6);
  }

  SECTION("a batch lost with the old leader is taken again, and the old leader's table "
          "forgets it when raft truncates its log") {
    auto lost = produce_ok(c.at(l), idem(7, 0, 10));
    c.at(l).pump(); // persisted there only; the messages are lost in the crash
    c.close(l);
    int nl = c.elect();
    REQUIRE(nl != l);
    auto retry = produce_ok(c.at(nl), idem(7, 0, 10));
    CHECK_FALSE(retry.duplicate);
    c.collect(nl);
    c.deliver();
    c.open(l);
    REQUIRE(c.at(l).producers().find(7));
    REQUIRE(c.at(l).producers().find(7)->batches.back().term == lost.term);
    c.run_until([&] { return c.converged() && c.up(l); });
    for (int i = 0; i < cluster::size; ++i) {
      REQUIRE(c.at(i).producers().find(7));
      const auto& newest = c.at(i).producers().find(7)->batches.back();
      CHECK(newest.index == retry.index);
      CHECK(newest.term == retry.term);
      CHECK(rows(c.at(i).producers(), {7}) == rows(c.at(nl).producers(), {7}));
    }
    CHECK(producer_batches(c.fetch_all(l)).size() == 6);
  }
}

TEST_CASE("a proposal that a new leader replaces before it is stored leaves the table",
          "[state][idempotence]") {
  temp_dir tmp;
  auto rep = voted_leader(tmp.path());
  auto t = rep.term();
  REQUIRE(rep.storage().last_index() == log_index{1}); // the leader's no-op
  auto x = idem(7, 0, 0);
  auto first = produce_ok(rep, x); // unstable: not stored yet
  REQUIRE(first.index == log_index{2});
  // Node 2 leads a later term and overwrites index 2 in memory.
  rep.step(noop_append(t.next(), log_index{2}, t));
  CHECK_FALSE(rep.is_leader());

  SECTION("the next pump stores the new entry and the table forgets the proposal") {
    rep.pump();
    CHECK(rep.storage().term_at(log_index{2}) == t.next());
    CHECK(rep.producers().find(7) == nullptr);
  }

  SECTION("a produce before the next pump sees the replaced log") {
    // Win the next term without a pump: time out, then two grants.
    for (int i = 0; i < 20; ++i)
      rep.tick();
    REQUIRE(rep.node().role() == raft_role::pre_candidate);
    auto to_run_at = t.next().next();
    message g;
    g.from = node_id{2};
    g.to = node_id{1};
    g.term = to_run_at;
    g.type = message_type::pre_vote_reply;
    rep.step(g);
    g.type = message_type::vote_reply;
    rep.step(g);
    REQUIRE(rep.is_leader());
    REQUIRE(rep.term() == to_run_at);
    auto again = produce_ok(rep, x); // the first copy is gone: a new entry
    CHECK_FALSE(again.duplicate);
    CHECK(again.index == log_index{4}); // after its own no-op at 3
    CHECK(produce_ok(rep, x).duplicate);
    rep.pump();
    REQUIRE(rep.producers().find(7));
    const auto& batches = rep.producers().find(7)->batches;
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].index == log_index{4});
    CHECK(batches[0].base_offset == rep.storage().position(log_index{4})->base_offset);
  }
}
