// The transaction coordinator's state machine (runtime/group/txn_coordinator):
// Kafka's transitions, the epoch bump that fences an older instance, retries
// of a completed EndTxn, timeouts, and its records round-tripping.

#include "runtime/group/txn_coordinator.hpp"

#include <catch2/catch.hpp>

using namespace rivulet::group;

namespace {

/// Applies a step's write as if the partition acknowledged it.
txn_metadata persist(txn_coordinator& c, const txn_step& step) {
  REQUIRE(step.write);
  REQUIRE(c.busy());
  c.persisted(*step.write);
  return *step.write;
}

} // namespace

TEST_CASE("a transaction goes Empty, Ongoing, PrepareCommit, CompleteCommit and a retried EndTxn succeeds",
          "[group][txn]") {
  txn_coordinator c("t");
  auto init = c.init_producer(10000, 0, 77);
  CHECK(init.error == error_code::none);
  auto m = persist(c, init);
  CHECK(m.producer_id == 77);
  CHECK(m.epoch == 0);
  CHECK(m.status == txn_status::empty);

  m = persist(c, c.add(77, 0, {{"a", 0}}, std::nullopt, 5));
  CHECK(m.status == txn_status::ongoing);
  CHECK(m.started_ms == 5);
  auto add = c.add(77, 0, {{"a", 0}, {"b", 1}}, std::string("g"), 5);
  REQUIRE(add.write);
  m = persist(c, add);
  CHECK(m.status == txn_status::ongoing);
  CHECK(m.partitions.size() == 2);
  CHECK(m.groups.count("g") == 1);
  // Nothing new: no write.
  CHECK_FALSE(c.add(77, 0, {{"b", 1}}, std::nullopt, 6).write);

  CHECK(c.end(77, 0, true).write);
  CHECK(c.busy());
  CHECK(c.add(77, 0, {{"c", 0}}, std::nullopt, 7).error == error_code::concurrent_transactions);
  c.persisted(txn_metadata{m.transactional_id, 77, 0, m.timeout_ms, txn_status::prepare_commit, m.partitions,
                           m.groups, m.started_ms});
  CHECK(c.end(77, 0, true).error == error_code::concurrent_transactions); // markers not written yet
  auto done = c.complete();
  CHECK(done.status == txn_status::complete_commit);
  CHECK(done.partitions.empty());
  c.persisted(done);
  CHECK(c.end(77, 0, true).error == error_code::none); // a retry of the commit
  CHECK(c.end(77, 0, false).error == error_code::invalid_txn_state);
}

TEST_CASE("InitProducerId bumps the epoch, fences the old instance and aborts its ongoing transaction",
          "[group][txn]") {
  txn_coordinator c("t");
  persist(c, c.init_producer(10000, 0, 5));
  persist(c, c.add(5, 0, {{"a", 0}}, std::nullopt, 1));
  auto fence = c.init_producer(10000, 2, 99);
  CHECK(fence.error == error_code::concurrent_transactions);
  auto abort = persist(c, fence);
  CHECK(abort.status == txn_status::prepare_abort);
  CHECK(abort.epoch == 1);
  CHECK(abort.producer_id == 5); // same id, new epoch
  // The old instance is fenced from now on.
  CHECK(c.end(5, 0, true).error == error_code::invalid_producer_epoch);
  CHECK(c.add(6, 0, {}, std::nullopt, 3).error == error_code::invalid_producer_id_mapping);
  CHECK(c.init_producer(10000, 3, 99).error == error_code::concurrent_transactions);
  c.persisted(c.complete());
  auto again = persist(c, c.init_producer(10000, 4, 99));
  CHECK(again.epoch == 2);
  CHECK(again.status == txn_status::empty);
  CHECK(c.init_producer(0, 5, 1).error == error_code::invalid_transaction_timeout);
}

TEST_CASE("an ongoing transaction past its timeout is aborted with a bumped epoch", "[group][txn]") {
  txn_coordinator c("t");
  persist(c, c.init_producer(1000, 0, 5));
  persist(c, c.add(5, 0, {{"a", 0}}, std::nullopt, 100));
  CHECK_FALSE(c.expire(1100));
  auto abort = c.expire(1101);
  REQUIRE(abort);
  CHECK(abort->status == txn_status::prepare_abort);
  CHECK(abort->epoch == 1);
  CHECK(c.busy());
}

TEST_CASE("transaction and transactional-offset records round-trip and refuse each other's bytes",
          "[group][txn]") {
  txn_metadata m{"tx", 42, 3, 60000, txn_status::prepare_abort, {{"a", 1}, {"b", 0}}, {"g1", "g2"}, 1234};
  auto rec = encode_txn_record(m);
  auto back = decode_txn_record(rec);
  REQUIRE(back.ok());
  CHECK(*back.value == m);
  rec.value->pop_back();
  CHECK_FALSE(decode_txn_record(rec).ok());

  txn_offset_record o{"g", 42, 3, {"t", 2}, committed_offset{17, std::string("meta"), 99}};
  auto orec = encode_txn_offset_record(o);
  auto oback = decode_txn_offset_record(orec);
  REQUIRE(oback.ok());
  CHECK(oback.value->tp == o.tp);
  CHECK(oback.value->value == o.value);
  CHECK(oback.value->producer_epoch == 3);
  CHECK_FALSE(decode_txn_record(orec).ok());
  CHECK_FALSE(decode_offset_record(orec).ok());

  auto erec = encode_txn_offsets_end_record({"g", 42, true, 3});
  auto eback = decode_txn_offsets_end_record(erec);
  REQUIRE(eback.ok());
  CHECK(eback.value->commit);
  CHECK(eback.value->producer_epoch == 3);
  CHECK_FALSE(decode_txn_offset_record(erec).ok());
  CHECK_FALSE(decode_offset_record(encode_txn_record(m)).ok());
}
