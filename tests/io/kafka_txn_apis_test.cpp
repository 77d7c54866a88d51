// The codecs of Kafka's transaction APIs: AddPartitionsToTxn (24),
// AddOffsetsToTxn (25), EndTxn (26) and TxnOffsetCommit (28), v0..v2 each.
// Expected bytes are built by hand from apache/kafka's message schemas.

#include "io/kafka/add_offsets_to_txn.hpp"
#include "io/kafka/add_partitions_to_txn.hpp"
#include "io/kafka/end_txn.hpp"
#include "io/kafka/txn_offset_commit.hpp"

#include "tests/io/kafka_body_bytes.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>

using namespace rivulet::io;
using namespace rivulet::io::kafka;
using namespace rivulet::io::kafka::test;

namespace {

using opt_sv = std::optional<std::string_view>;

bool mentions(const status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

/// Decodes `body` with `decode` at `version`; the decoder's result.
template <class Decode>
auto decode_at(const bytes& body, std::int16_t version, Decode decode) {
  wire_reader r{body};
  return decode(r, version);
}

constexpr auto decode_apt = [](wire_reader& r, std::int16_t v) {
  return decode_add_partitions_to_txn_request(r, v);
};
constexpr auto decode_aot = [](wire_reader& r, std::int16_t v) {
  return decode_add_offsets_to_txn_request(r, v);
};
constexpr auto decode_et = [](wire_reader& r, std::int16_t v) {
  return decode_end_txn_request(r, v);
};
constexpr auto decode_toc = [](wire_reader& r, std::int16_t v) {
  return decode_txn_offset_commit_request(r, v);
};

} // namespace

TEST_CASE("the transaction APIs are non-flexible up to v2 and flexible from v3",
          "[kafka-txn-codec]") {
  for (auto key : {api_key::add_partitions_to_txn, api_key::add_offsets_to_txn,
                   api_key::end_txn, api_key::txn_offset_commit}) {
    INFO("api key " << static_cast<int>(key));
    for (std::int16_t v = 0; v <= 2; ++v) {
      CHECK_FALSE(is_flexible(key, v));
      CHECK(request_header_version(key, v) == 1);
      CHECK(response_header_version(key, v) == 0);
    }
    CHECK(is_flexible(key, 3));
    CHECK(request_header_version(key, 3) == 2);
    CHECK(response_header_version(key, 3) == 1);
  }
}

// ---- AddPartitionsToTxn ----

TEST_CASE("AddPartitionsToTxn requests v0 to v2 are decoded from hand-built bytes",
          "[kafka-txn-codec]") {
  bytes body = str("tx-1") + i64(0x0102030405060708) + i16(3) + i32(2) + str("a") + i32(2) +
               i32(0) + i32(7) + str("b") + i32(0);
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    auto req = decode_at(body, v, decode_apt);
    REQUIRE(req.ok());
    CHECK(req->transactional_id == "tx-1");
    CHECK(req->producer_id == 0x0102030405060708);
    CHECK(req->producer_epoch == 3);
    REQUIRE(req->topics.size() == 2);
    CHECK(req->topics[0].name == "a");
    CHECK(req->topics[0].partitions == std::vector<std::int32_t>{0, 7});
    CHECK(req->topics[1].name == "b");
    CHECK(req->topics[1].partitions.empty());
    CHECK(encoded([&](wire_writer& w) { encode_add_partitions_to_txn_request(w, *req, v); }) ==
          body);
  }
}

TEST_CASE("AddPartitionsToTxn responses v0 to v2 are encoded byte by byte",
          "[kafka-txn-codec]") {
  add_partitions_to_txn_response resp;
  resp.throttle_time_ms = 5;
  resp.results = {{"a", {{0, 0}, {7, 3}}}, {"b", {}}};
  bytes want = i32(5) + i32(2) + str("a") + i32(2) + i32(0) + i16(0) + i32(7) + i16(3) +
               str("b") + i32(0);
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    CHECK(encoded([&](wire_writer& w) { encode_add_partitions_to_txn_response(w, resp, v); }) ==
          want);
  }
}

TEST_CASE("malformed AddPartitionsToTxn requests are errors", "[kafka-txn-codec]") {
  bytes body = str("tx") + i64(1) + i16(0) + i32(1) + str("t") + i32(2) + i32(0) + i32(1);
  for (std::int16_t v = 0; v <= 2; ++v)
    every_prefix_fails(body, [v](wire_reader& r) { return decode_apt(r, v); });
  CHECK(decode_at(body + i8(0), 0, decode_apt).error().code() == errc::corrupted);
  CHECK(decode_at(body, 3, decode_apt).error().code() == errc::unsupported);
  CHECK(decode_at(body, -1, decode_apt).error().code() == errc::unsupported);
  CHECK(decode_at(null_str() + i64(1) + i16(0) + i32(0), 0, decode_apt).error().code() ==
        errc::corrupted);
  // Counts that cannot fit the frame fail before anything is allocated.
  auto huge_topics = decode_at(str("tx") + i64(1) + i16(0) + i32(0x7fffffff), 0, decode_apt);
  REQUIRE_FALSE(huge_topics.ok());
  CHECK(huge_topics.error().code() == errc::corrupted);
  CHECK(mentions(huge_topics.error(), "topics"));
  auto huge_parts =
    decode_at(str("tx") + i64(1) + i16(0) + i32(1) + str("t") + i32(0x7fffffff), 1, decode_apt);
  REQUIRE_FALSE(huge_parts.ok());
  CHECK(huge_parts.error().code() == errc::corrupted);
  CHECK(mentions(huge_parts.error(), "topics[].partitions"));
  auto negative = decode_at(str("tx") + i64(1) + i16(0) + i32(-2), 2, decode_apt);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().code() == errc::corrupted);
}

// ---- AddOffsetsToTxn ----

TEST_CASE("AddOffsetsToTxn requests v0 to v2 are decoded from hand-built bytes",
          "[kafka-txn-codec]") {
  bytes body = str("tx-1") + i64(42) + i16(-1) + str("group-a");
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    auto req = decode_at(body, v, decode_aot);
    REQUIRE(req.ok());
    CHECK(req->transactional_id == "tx-1");
    CHECK(req->producer_id == 42);
    CHECK(req->producer_epoch == -1);
    CHECK(req->group_id == "group-a");
    CHECK(encoded([&](wire_writer& w) { encode_add_offsets_to_txn_request(w, *req, v); }) ==
          body);
  }
}

TEST_CASE("AddOffsetsToTxn responses v0 to v2 are encoded byte by byte", "[kafka-txn-codec]") {
  add_offsets_to_txn_response resp{9, 51};
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    CHECK(encoded([&](wire_writer& w) { encode_add_offsets_to_txn_response(w, resp, v); }) ==
          i32(9) + i16(51));
  }
}

TEST_CASE("malformed AddOffsetsToTxn requests are errors", "[kafka-txn-codec]") {
  bytes body = str("tx") + i64(1) + i16(0) + str("g");
  for (std::int16_t v = 0; v <= 2; ++v)
    every_prefix_fails(body, [v](wire_reader& r) { return decode_aot(r, v); });
  CHECK(decode_at(body + i8(0), 1, decode_aot).error().code() == errc::corrupted);
  CHECK(decode_at(body, 3, decode_aot).error().code() == errc::unsupported);
  auto null_group = decode_at(str("tx") + i64(1) + i16(0) + null_str(), 0, decode_aot);
  REQUIRE_FALSE(null_group.ok());
  CHECK(null_group.error().code() == errc::corrupted);
  CHECK(mentions(null_group.error(), "group_id"));
  auto long_id = decode_at(i16(300) + str("x"), 0, decode_aot);
  REQUIRE_FALSE(long_id.ok());
  CHECK(long_id.error().code() == errc::corrupted);
  CHECK(mentions(long_id.error(), "transactional_id"));
}

// ---- EndTxn ----

TEST_CASE("EndTxn requests v0 to v2 are decoded from hand-built bytes", "[kafka-txn-codec]") {
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    bytes commit = str("tx-1") + i64(77) + i16(4) + i8(1);
    auto req = decode_at(commit, v, decode_et);
    REQUIRE(req.ok());
    CHECK(req->transactional_id == "tx-1");
    CHECK(req->producer_id == 77);
    CHECK(req->producer_epoch == 4);
    CHECK(req->committed);
    CHECK(encoded([&](wire_writer& w) { encode_end_txn_request(w, *req, v); }) == commit);

    bytes abort = str("tx-1") + i64(77) + i16(4) + i8(0);
    auto aborted = decode_at(abort, v, decode_et);
    REQUIRE(aborted.ok());
    CHECK_FALSE(aborted->committed);
    CHECK(encoded([&](wire_writer& w) { encode_end_txn_request(w, *aborted, v); }) == abort);
  }
  // Kafka reads a bool as "byte != 0".
  auto odd = decode_at(str("t") + i64(1) + i16(0) + i8(2), 0, decode_et);
  REQUIRE(odd.ok());
  CHECK(odd->committed);
}

TEST_CASE("EndTxn responses v0 to v2 are encoded byte by byte", "[kafka-txn-codec]") {
  end_txn_response resp{0, 48};
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    CHECK(encoded([&](wire_writer& w) { encode_end_txn_response(w, resp, v); }) ==
          i32(0) + i16(48));
  }
}

TEST_CASE("malformed EndTxn requests are errors", "[kafka-txn-codec]") {
  bytes body = str("tx") + i64(1) + i16(0) + i8(1);
  for (std::int16_t v = 0; v <= 2; ++v)
    every_prefix_fails(body, [v](wire_reader& r) { return decode_et(r, v); });
  CHECK(decode_at(body + i8(0), 2, decode_et).error().code() == errc::corrupted);
  CHECK(decode_at(body, 3, decode_et).error().code() == errc::unsupported);
  auto cut = decode_at(str("tx") + i64(1) + i16(0), 0, decode_et);
  REQUIRE_FALSE(cut.ok());
  CHECK(mentions(cut.error(), "committed"));
}

// ---- TxnOffsetCommit ----

TEST_CASE("TxnOffsetCommit requests v0 and v1 are decoded from hand-built bytes",
          "[kafka-txn-codec]") {
  bytes body = str("tx-1") + str("grp") + i64(1000) + i16(2) + i32(1) + str("t") + i32(2) +
               i32(0) + i64(42) + str("meta") + i32(3) + i64(7) + null_str();
  for (std::int16_t v = 0; v <= 1; ++v) {
    INFO("version " << v);
    auto req = decode_at(body, v, decode_toc);
    REQUIRE(req.ok());
    CHECK(req->transactional_id == "tx-1");
    CHECK(req->group_id == "grp");
    CHECK(req->producer_id == 1000);
    CHECK(req->producer_epoch == 2);
    REQUIRE(req->topics.size() == 1);
    CHECK(req->topics[0].name == "t");
    const auto& ps = req->topics[0].partitions;
    REQUIRE(ps.size() == 2);
    CHECK(ps[0].partition_index == 0);
    CHECK(ps[0].committed_offset == 42);
    CHECK(ps[0].committed_leader_epoch == -1);
    CHECK(ps[0].committed_metadata == opt_sv{"meta"});
    CHECK(ps[1].partition_index == 3);
    CHECK(ps[1].committed_offset == 7);
    CHECK_FALSE(ps[1].committed_metadata.has_value());
    CHECK(encoded([&](wire_writer& w) { encode_txn_offset_commit_request(w, *req, v); }) ==
          body);
  }
  // The v2 layout (with a leader epoch) is not a valid v0/v1 body.
  bytes v2_body = str("tx-1") + str("grp") + i64(1000) + i16(2) + i32(1) + str("t") + i32(1) +
                  i32(0) + i64(42) + i32(5) + str("");
  CHECK_FALSE(decode_at(v2_body, 1, decode_toc).ok());
}

TEST_CASE("TxnOffsetCommit v2 requests carry the committed leader epoch", "[kafka-txn-codec]") {
  bytes body = str("tx-1") + str("grp") + i64(1000) + i16(2) + i32(2) + str("a") + i32(1) +
               i32(4) + i64(100) + i32(9) + str("") + str("b") + i32(1) + i32(0) + i64(1) +
               i32(-1) + null_str();
  auto req = decode_at(body, 2, decode_toc);
  REQUIRE(req.ok());
  REQUIRE(req->topics.size() == 2);
  const auto& a = req->topics[0].partitions.at(0);
  CHECK(a.partition_index == 4);
  CHECK(a.committed_offset == 100);
  CHECK(a.committed_leader_epoch == 9);
  CHECK(a.committed_metadata == opt_sv{""});
  const auto& b = req->topics[1].partitions.at(0);
  CHECK(req->topics[1].name == "b");
  CHECK(b.committed_leader_epoch == -1);
  CHECK_FALSE(b.committed_metadata.has_value());
  CHECK(encoded([&](wire_writer& w) { encode_txn_offset_commit_request(w, *req, 2); }) == body);
}

TEST_CASE("TxnOffsetCommit responses v0 to v2 are encoded byte by byte", "[kafka-txn-codec]") {
  txn_offset_commit_response resp;
  resp.throttle_time_ms = 3;
  resp.topics = {{"t", {{0, 0}, {3, 16}}}};
  bytes want = i32(3) + i32(1) + str("t") + i32(2) + i32(0) + i16(0) + i32(3) + i16(16);
  for (std::int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    CHECK(encoded([&](wire_writer& w) { encode_txn_offset_commit_response(w, resp, v); }) ==
          want);
  }
}

TEST_CASE("malformed TxnOffsetCommit requests are errors", "[kafka-txn-codec]") {
  bytes head = str("tx") + str("g") + i64(1) + i16(0);
  bytes v01 = head + i32(1) + str("t") + i32(1) + i32(0) + i64(5) + str("m");
  bytes v2 = head + i32(1) + str("t") + i32(1) + i32(0) + i64(5) + i32(1) + str("m");
  for (std::int16_t v = 0; v <= 1; ++v)
    every_prefix_fails(v01, [v](wire_reader& r) { return decode_toc(r, v); });
  every_prefix_fails(v2, [](wire_reader& r) { return decode_toc(r, 2); });
  CHECK(decode_at(v01 + i8(0), 0, decode_toc).error().code() == errc::corrupted);
  CHECK(decode_at(v2 + i8(0), 2, decode_toc).error().code() == errc::corrupted);
  CHECK(decode_at(v2, 3, decode_toc).error().code() == errc::unsupported);
  CHECK(decode_at(v01, -1, decode_toc).error().code() == errc::unsupported);
  auto huge_topics = decode_at(head + i32(0x7fffffff), 0, decode_toc);
  REQUIRE_FALSE(huge_topics.ok());
  CHECK(huge_topics.error().code() == errc::corrupted);
  CHECK(mentions(huge_topics.error(), "topics"));
  // 18 bytes follow the count: one v0 partition (14 bytes) fits, but not
  // two; at v2 each needs 18, so two cannot fit either.
  bytes one_part = i32(0) + i64(5) + i32(1) + str("");
  auto huge_parts = decode_at(head + i32(1) + str("t") + i32(2) + one_part, 2, decode_toc);
  REQUIRE_FALSE(huge_parts.ok());
  CHECK(huge_parts.error().code() == errc::corrupted);
  CHECK(mentions(huge_parts.error(), "topics[].partitions"));
  auto bad_meta = decode_at(head + i32(1) + str("t") + i32(1) + i32(0) + i64(5) + i16(-3), 0,
                            decode_toc);
  REQUIRE_FALSE(bad_meta.ok());
  CHECK(bad_meta.error().code() == errc::corrupted);
  CHECK(mentions(bad_meta.error(), "committed_metadata"));
}
