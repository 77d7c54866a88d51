#include "state/log/raft_segment_storage.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/raft/raft_node.hpp"
#include "runtime/record_batch_layout.hpp"
#include "tests/support/log_test_batches.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using namespace rivulet::raft;
using rivulet::testing::temp_dir;
using namespace rivulet::testing::log_batches;

namespace {

namespace layout = rivulet::batch_format::layout;

raft_segment_storage open_storage(const std::filesystem::path& dir, log_config config = {}) {
  auto r = raft_segment_storage::open(dir, config);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

log_entry normal(std::uint64_t term, std::uint64_t index, std::string batch) {
  return log_entry{term_id{term}, log_index{index}, entry_kind::normal, std::move(batch)};
}

log_entry noop(std::uint64_t term, std::uint64_t index) {
  return log_entry{term_id{term}, log_index{index}, entry_kind::noop, {}};
}

std::int32_t epoch_of(const std::string& batch) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(batch[layout::partition_leader_epoch + i]);
  return static_cast<std::int32_t>(v);
}

// `stored` equals `original` except the base offset and leader epoch fields.
bool same_but_offset_and_epoch(std::string stored, std::string original) {
  for (auto* b : {&stored, &original}) {
    b->replace(layout::base_offset, 8, 8, '\0');
    b->replace(layout::partition_leader_epoch, 4, 4, '\0');
  }
  return stored == original;
}

// noop t1, 3 records t1, 1 record t2, noop t3, 2 records t3.
std::vector<log_entry> sample_entries() {
  return {noop(1, 1), normal(1, 2, make_batch(3, 10, 100)), normal(2, 3, make_batch(1, 20, 200)),
          noop(3, 4), normal(3, 5, make_batch(2, 5, 300))};
}

std::vector<std::pair<std::int64_t, std::int64_t>> offsets_of(const raft_segment_storage& s) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::uint64_t i = 1; i <= s.last_index().value; ++i) {
    auto p = s.position(log_index{i});
    REQUIRE(p);
    out.emplace_back(p->base_offset, p->last_offset);
  }
  return out;
}

} // namespace

TEST_CASE("normal and no-op entries read back with their terms, kinds and batch bytes",
          "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path());
  CHECK(s.first_index() == log_index{1});
  CHECK(s.last_index() == log_index{0});
  CHECK(s.term_at(log_index{0}) == term_id{0});
  auto in = sample_entries();
  s.append(in);
  REQUIRE(s.last_error().ok());
  CHECK(s.last_index() == log_index{5});

  auto out = s.entries(log_index{1}, log_index{5}, all);
  REQUIRE(out.size() == 5);
  for (std::size_t i = 0; i < out.size(); ++i) {
    INFO("entry " << i + 1);
    CHECK(out[i].index == in[i].index);
    CHECK(out[i].term == in[i].term);
    CHECK(out[i].kind == in[i].kind);
    CHECK(s.term_at(in[i].index) == in[i].term);
    if (in[i].kind == entry_kind::noop) {
      CHECK(out[i].payload.empty());
      continue;
    }
    CHECK(same_but_offset_and_epoch(out[i].payload, in[i].payload));
    CHECK(epoch_of(out[i].payload) == static_cast<std::int32_t>(in[i].term.value));
    CHECK(validate_batch(out[i].payload, offset_rule::dense).ok());
  }
  CHECK(s.term_at(log_index{6}) == std::nullopt);
  CHECK(s.entries(log_index{2}, log_index{3}, all)
        == std::vector<log_entry>{out[1], out[2]});
}

TEST_CASE("a no-op entry is stored as a one-record control batch with the term as epoch",
          "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path());
  s.append({noop(7, 1)});
  REQUIRE(s.last_error().ok());
  auto stored = read_ok(s.log(), 0, all, s.log().end_offset()).bytes;
  CHECK(stored.size() == 72);
  CHECK(is_raft_noop_batch(stored));
  auto h = validate_batch(stored, offset_rule::dense);
  REQUIRE(h.ok());
  CHECK((h->attributes & rivulet::batch_format::attr::control) != 0);
  CHECK(h->records_count == 1);
  CHECK(h->max_timestamp == -1);
  CHECK(epoch_of(stored) == 7);
  // Key: int16 version 0, int16 type 0x7276, right after the varint lengths.
  CHECK(stored.substr(layout::records + 5, 4) == std::string("\x00\x00\x72\x76", 4));
  // A data batch is never mistaken for a no-op.
  CHECK_FALSE(is_raft_noop_batch(make_batch(1, 11, 5)));
}

TEST_CASE("Kafka offsets stay dense and a no-op takes exactly one offset", "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path());
  s.append(sample_entries());
  REQUIRE(s.last_error().ok());
  using offsets = std::vector<std::pair<std::int64_t, std::int64_t>>;
  CHECK(offsets_of(s) == offsets{{0, 0}, {1, 3}, {4, 4}, {5, 5}, {6, 7}});
  CHECK(s.log().end_offset() == 8);

  CHECK(s.high_watermark_offset(log_index{0}) == 0);
  CHECK(s.high_watermark_offset(log_index{1}) == 1);
  CHECK(s.high_watermark_offset(log_index{2}) == 4);
  CHECK(s.high_watermark_offset(log_index{5}) == 8);
  CHECK(s.high_watermark_offset(log_index{6}) == std::nullopt);

  CHECK(s.entry_for_offset(0) == log_index{1});
  CHECK(s.entry_for_offset(1) == log_index{2});
  CHECK(s.entry_for_offset(3) == log_index{2});
  CHECK(s.entry_for_offset(5) == log_index{4});
  CHECK(s.entry_for_offset(7) == log_index{5});
  CHECK(s.entry_for_offset(8) == std::nullopt);
  CHECK(s.entry_for_offset(-1) == std::nullopt);
}

TEST_CASE("entries stops at the byte limit but returns at least one entry", "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path());
  s.append(sample_entries());
  auto sizes = [&](std::uint64_t i) { return entry_size_bytes(s.entries(log_index{i}, log_index{i}, all)[0]); };
  CHECK(s.entries(log_index{2}, log_index{5}, 1).size() == 1);
  CHECK(s.entries(log_index{2}, log_index{5}, sizes(2) + sizes(3)).size() == 2);
  CHECK(s.entries(log_index{2}, log_index{5}, sizes(2) + sizes(3) + sizes(4) - 1).size() == 2);
  CHECK(s.entries(log_index{2}, log_index{5}, sizes(2) + sizes(3) + sizes(4)).size() == 3);
}

TEST_CASE("truncate_suffix in the middle cuts the log and later appends continue from there",
          "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path(), small_segments(64));
  s.append(sample_entries());
  s.truncate_suffix(log_index{9}); // past the end: nothing happens
  CHECK(s.last_index() == log_index{5});
  s.truncate_suffix(log_index{3});
  REQUIRE(s.last_error().ok());
  CHECK(s.last_index() == log_index{2});
  CHECK(s.term_at(log_index{3}) == std::nullopt);
  CHECK(s.log().end_offset() == 4);
  CHECK(s.entry_for_offset(4) == std::nullopt);

  auto b = make_batch(4, 8, 400);
  s.append({normal(4, 3, b), noop(5, 4)});
  REQUIRE(s.last_error().ok());
  using offsets = std::vector<std::pair<std::int64_t, std::int64_t>>;
  CHECK(offsets_of(s) == offsets{{0, 0}, {1, 3}, {4, 7}, {8, 8}});
  auto out = s.entries(log_index{3}, log_index{4}, all);
  REQUIRE(out.size() == 2);
  CHECK(out[0].term == term_id{4});
  CHECK(same_but_offset_and_epoch(out[0].payload, b));
  CHECK(out[1].kind == entry_kind::noop);
}

TEST_CASE("reopening the log rebuilds the same index table, terms and entries",
          "[state][raft]") {
  temp_dir tmp;
  std::vector<std::pair<std::int64_t, std::int64_t>> before_offsets;
  std::vector<log_entry> before_entries;
  {
    auto s = open_storage(tmp.path(), small_segments(100));
    std::uint64_t index = 0;
    for (std::uint64_t term = 1; term <= 6; ++term) {
      s.append({noop(term, ++index)});
      for (int k = 0; k < 5; ++k) {
        ++index;
        s.append({normal(term, index, make_batch(1 + k % 3, 30, static_cast<std::int64_t>(index)))});
      }
    }
    s.truncate_suffix(log_index{index - 2});
    REQUIRE(s.flush().ok());
    REQUIRE(s.last_error().ok());
    CHECK(s.log().segment_count() > 3);
    before_offsets = offsets_of(s);
    before_entries = s.entries(s.first_index(), s.last_index(), all);
  }
  auto s = open_storage(tmp.path(), small_segments(100));
  CHECK(s.last_index() == log_index{before_entries.size()});
  CHECK(offsets_of(s) == before_offsets);
  CHECK(s.entries(s.first_index(), s.last_index(), all) == before_entries);
  for (const auto& e : before_entries)
    CHECK(s.term_at(e.index) == e.term);
}

TEST_CASE("a payload that is not a record batch is recorded and stops further writes",
          "[state][raft]") {
  temp_dir tmp;
  auto s = open_storage(tmp.path());
  s.append({noop(1, 1), normal(1, 2, "not a batch")});
  CHECK(s.last_error().code() == errc::invalid_argument);
  CHECK(s.last_index() == log_index{1});
  s.append({normal(1, 2, make_batch(1, 10, 1))}); // refused: the replica must reopen
  s.truncate_suffix(log_index{1});
  CHECK(s.last_index() == log_index{1});
  CHECK(s.log().end_offset() == 1);
}

TEST_CASE("a log whose batches carry no raft term is refused on open", "[state][raft]") {
  temp_dir tmp;
  {
    auto log = open_ok(tmp.path());
    append_ok(log, make_batch(1, 10, 1)); // leader epoch -1, as a plain producer sends
  }
  auto r = raft_segment_storage::open(tmp.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == errc::corrupted);
}

namespace {

// One replica driven by hand: the persist -> send -> apply -> advance loop.
struct single_node {
  raft_config config;
  raft_segment_storage& storage;
  hard_state hs;
  raft_node node;
  std::vector<log_entry> applied;

  single_node(raft_segment_storage& s, hard_state state, log_index applied_index)
    : config(make_config()), storage(s), hs(state),
      node(config, storage, state, applied_index) {
  }

  static raft_config make_config() {
    raft_config c;
    c.id = node_id{1};
    c.voters = {node_id{1}};
    return c;
  }

  void drain() {
    for (int i = 0; i < 100 && node.has_ready(); ++i) {
      auto rd = node.take_ready();
      if (rd.state)
        hs = *rd.state;
      persist_entries(storage, rd);
      REQUIRE(storage.flush().ok());
      REQUIRE(storage.last_error().ok());
      CHECK(rd.messages.empty()); // a group of one has nobody to talk to
      for (const auto& e : rd.committed_entries)
        applied.push_back(e);
      node.advance(rd);
    }
  }

  void elect() {
    for (int i = 0; i < 100 && node.role() != raft_role::leader; ++i) {
      node.tick();
      drain();
    }
    REQUIRE(node.role() == raft_role::leader);
    drain();
  }
};

} // namespace

TEST_CASE("a single-node raft group commits real batches on this storage and restarts from it",
          "[state][raft]") {
  temp_dir tmp;
  hard_state hs;
  std::vector<std::string> proposed = {make_batch(2, 16, 10), make_batch(1, 40, 11),
                                       make_batch(5, 8, 12)};
  {
    auto s = open_storage(tmp.path(), small_segments(64));
    single_node n(s, {}, {});
    n.elect();
    CHECK(n.node.term() == term_id{1});
    for (const auto& b : proposed) {
      REQUIRE(n.node.propose(b).accepted());
      n.drain();
    }
    CHECK(n.node.commit_index() == log_index{4});
    CHECK(n.node.applied_index() == log_index{4});
    REQUIRE(n.applied.size() == 4);
    CHECK(n.applied[0].kind == entry_kind::noop);
    for (std::size_t i = 0; i < proposed.size(); ++i) {
      const auto& e = n.applied[i + 1];
      CHECK(e.kind == entry_kind::normal);
      CHECK(same_but_offset_and_epoch(e.payload, proposed[i]));
    }
    // The stored batches: the no-op at 0, then 2 + 1 + 5 records.
    CHECK(s.high_watermark_offset(n.node.commit_index()) == 9);
    auto stored = s.entries(log_index{2}, log_index{4}, all);
    for (const auto& e : stored)
      CHECK(epoch_of(e.payload) == 1);
    hs = n.hs;
    CHECK(hs.commit == log_index{4});
  }

  auto s = open_storage(tmp.path(), small_segments(64));
  CHECK(s.last_index() == log_index{4});
  CHECK(s.term_at(log_index{4}) == term_id{1});
  single_node n(s, hs, hs.commit);
  CHECK(n.node.last_index() == log_index{4});
  CHECK(n.node.log().last_term() == term_id{1});
  CHECK(n.node.commit_index() == log_index{4});
  // It leads again in a new term and the log keeps growing densely.
  n.elect();
  CHECK(n.node.term() == term_id{2});
  REQUIRE(n.node.propose(make_batch(3, 10, 13)).accepted());
  n.drain();
  CHECK(n.node.commit_index() == log_index{6});
  CHECK(s.term_at(log_index{5}) == term_id{2});
  CHECK(s.entries(log_index{5}, log_index{5}, all)[0].kind == entry_kind::noop);
  CHECK(s.high_watermark_offset(log_index{6}) == 13);
  CHECK(s.log().end_offset() == 13);
}
