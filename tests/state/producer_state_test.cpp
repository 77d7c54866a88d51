#include "state/partition/producer_state.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using namespace rivulet::state;
using rivulet::raft::log_index;
using rivulet::raft::term_id;

namespace {

producer_batch batch(std::int64_t id, std::int16_t epoch, std::int32_t first, std::int32_t last) {
  return producer_batch{id, epoch, first, last};
}

// Applies batches of producer 7, epoch 0, of 2 records each from sequence 0,
// at raft indexes 1, 2, ... in term 1.
producer_state seven_with(int batches) {
  producer_state s;
  for (int i = 0; i < batches; ++i)
    s.apply(batch(7, 0, 2 * i, 2 * i + 1), log_index{static_cast<std::uint64_t>(i + 1)},
            term_id{1}, 10 * i, 10 * i + 1);
  return s;
}

} // namespace

TEST_CASE("an unknown producer is accepted at any sequence", "[state][idempotence]") {
  producer_state s;
  CHECK(s.check(batch(7, 0, 0, 3)).verdict == producer_verdict::accept);
  CHECK(s.check(batch(7, 3, 1000, 1000)).verdict == producer_verdict::accept);
  CHECK(s.find(7) == nullptr);
}

TEST_CASE("a retry of one of the last five batches is a duplicate naming its entry",
          "[state][idempotence]") {
  auto s = seven_with(7); // sequences 0-13; the last five are 4-5 .. 12-13
  for (int i = 2; i < 7; ++i) {
    auto c = s.check(batch(7, 0, 2 * i, 2 * i + 1));
    REQUIRE(c.verdict == producer_verdict::duplicate);
    REQUIRE(c.original);
    CHECK(c.original->index == log_index{static_cast<std::uint64_t>(i + 1)});
    CHECK(c.original->term == term_id{1});
    CHECK(c.original->base_offset == 10 * i);
    CHECK(c.original->last_offset == 10 * i + 1);
  }
  // Forgotten, as in Kafka: an old retry is out of order, not a duplicate.
  CHECK(s.check(batch(7, 0, 2, 3)).verdict == producer_verdict::out_of_order);
  // Same first sequence, other length: not the same batch.
  CHECK(s.check(batch(7, 0, 12, 12)).verdict == producer_verdict::out_of_order);
  REQUIRE(s.find(7));
  CHECK(s.find(7)->batches.size() == producer_state::batches_kept);
}

TEST_CASE("the next sequence is accepted and a gap is out of order", "[state][idempotence]") {
  auto s = seven_with(2); // 0-1, 2-3
  CHECK(s.check(batch(7, 0, 4, 9)).verdict == producer_verdict::accept);
  auto gap = s.check(batch(7, 0, 5, 9));
  CHECK(gap.verdict == producer_verdict::out_of_order);
  CHECK_THAT(gap.reason, Catch::Contains("expected sequence 4"));
  CHECK(s.check(batch(7, 0, 0, 0)).verdict == producer_verdict::out_of_order);
  // Another producer has its own sequences.
  CHECK(s.check(batch(8, 0, 5, 9)).verdict == producer_verdict::accept);
}

TEST_CASE("an older epoch is fenced and a newer one starts over at sequence 0",
          "[state][idempotence]") {
  auto s = seven_with(2);
  s.apply(batch(7, 1, 0, 0), log_index{3}, term_id{1});
  REQUIRE(s.find(7)->epoch == 1);
  CHECK(s.find(7)->batches.size() == 1); // the new epoch dropped the old batches
  auto fenced = s.check(batch(7, 0, 4, 4));
  CHECK(fenced.verdict == producer_verdict::invalid_epoch);
  CHECK_THAT(fenced.reason, Catch::Contains("fenced"));
  CHECK(s.check(batch(7, 0, 0, 1)).verdict == producer_verdict::invalid_epoch);
  CHECK(s.check(batch(7, 1, 1, 1)).verdict == producer_verdict::accept);
  CHECK(s.check(batch(7, 1, 0, 0)).verdict == producer_verdict::duplicate);
  CHECK(s.check(batch(7, 2, 0, 4)).verdict == producer_verdict::accept);
  CHECK(s.check(batch(7, 2, 1, 4)).verdict == producer_verdict::out_of_order);
}

TEST_CASE("sequences wrap from INT32_MAX to 0", "[state][idempotence]") {
  constexpr auto max = std::numeric_limits<std::int32_t>::max();
  batch_header h;
  h.producer_id = 7;
  h.producer_epoch = 0;
  h.base_sequence = max - 1;
  h.last_offset_delta = 2; // three records: max - 1, max, 0
  auto b = producer_batch::of(h);
  CHECK(b.first_seq == max - 1);
  CHECK(b.last_seq == 0);
  CHECK(next_sequence(max) == 0);
  producer_state s;
  s.apply(b, log_index{1}, term_id{1});
  CHECK(s.check(batch(7, 0, 1, 1)).verdict == producer_verdict::accept);
  CHECK(s.check(batch(7, 0, max - 1, 0)).verdict == producer_verdict::duplicate);
}

TEST_CASE("offsets of a proposed batch are filled in once it is stored", "[state][idempotence]") {
  producer_state s;
  s.apply(batch(7, 0, 0, 2), log_index{4}, term_id{2});
  CHECK(s.find(7)->batches.back().base_offset == -1);
  s.set_offsets(7, log_index{4}, 20, 22);
  s.set_offsets(8, log_index{4}, 99, 99); // unknown producer: ignored
  const auto& b = s.find(7)->batches.back();
  CHECK(b.base_offset == 20);
  CHECK(b.last_offset == 22);
}
