// Writes the seed corpus of the fuzz targets: valid framed requests for
// every API the codec decodes (at their lowest and highest versions) and
// valid record batches from record_batch_builder. Run by hand when the
// codec gains an API, then commit the files:
//   build/tests/make_fuzz_corpus tests/fuzz/corpus

#include "io/kafka/add_offsets_to_txn.hpp"
#include "io/kafka/add_partitions_to_txn.hpp"
#include "io/kafka/api_versions.hpp"
#include "io/kafka/end_txn.hpp"
#include "io/kafka/fetch.hpp"
#include "io/kafka/find_coordinator.hpp"
#include "io/kafka/heartbeat.hpp"
#include "io/kafka/init_producer_id.hpp"
#include "io/kafka/join_group.hpp"
#include "io/kafka/leave_group.hpp"
#include "io/kafka/list_offsets.hpp"
#include "io/kafka/metadata.hpp"
#include "io/kafka/offset_commit.hpp"
#include "io/kafka/offset_fetch.hpp"
#include "io/kafka/produce.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/record_batch_builder.hpp"
#include "io/kafka/sync_group.hpp"
#include "io/kafka/txn_offset_commit.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace k = rivulet::io::kafka;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> batch(int records, bool with_headers, bool transactional) {
  k::record_batch_builder b;
  if (transactional)
    b.set_producer(7, 1, 0).set_transactional(true);
  for (int i = 0; i < records; ++i) {
    std::string key = "k" + std::to_string(i);
    std::string value = "value-" + std::to_string(i);
    std::vector<k::record_header> headers;
    if (with_headers)
      headers = {{"h", k::bytes_view::of("hv")}, {"null", std::nullopt}};
    (void)b.append(1700000000000 + i, i % 3 == 2 ? std::nullopt : std::optional{k::bytes_view::of(key)},
                   i % 4 == 3 ? std::nullopt : std::optional{k::bytes_view::of(value)}, headers);
  }
  return *b.build(42);
}

/// One frame: size, header for `key` at `version`, body from `encode`.
template <class Encode>
std::vector<std::uint8_t> frame(k::api_key key, std::int16_t version, Encode encode) {
  std::vector<std::uint8_t> out;
  k::wire_writer w(out);
  w.write_int32(0);
  k::request_header h{key, version, 17, std::string_view{"fuzz-seed"}};
  k::write_request_header(w, h, k::request_header_version(key, version));
  encode(w, version);
  w.patch_int32(0, static_cast<std::int32_t>(out.size() - 4));
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  const fs::path root{argv[1]};
  const fs::path req_dir = root / "kafka_request";
  const fs::path batch_dir = root / "record_batch";
  fs::create_directories(req_dir);
  fs::create_directories(batch_dir);

  const auto b1 = batch(1, false, false);
  const auto b5 = batch(5, true, false);
  const auto btx = batch(3, false, true);
  std::vector<std::uint8_t> two = b1;
  two.insert(two.end(), b5.begin(), b5.end());
  write_file(batch_dir / "one_record", b1);
  write_file(batch_dir / "five_records_headers", b5);
  write_file(batch_dir / "transactional", btx);
  write_file(batch_dir / "two_batches", two);
  std::vector<std::uint8_t> cut(two.begin(), two.end() - 7);
  write_file(batch_dir / "second_batch_truncated", cut);

  int n = 0;
  auto emit = [&](const char* name, k::api_key key, std::int16_t lo, std::int16_t hi, auto encode) {
    for (std::int16_t v : {lo, hi}) {
      write_file(req_dir / (std::string(name) + "_v" + std::to_string(v)), frame(key, v, encode));
      ++n;
      if (lo == hi)
        break;
    }
  };

  k::produce_request produce;
  produce.transactional_id = std::nullopt;
  produce.acks = -1;
  produce.timeout_ms = 1000;
  produce.topics = {{"t", {{0, k::bytes_view(two)}, {1, k::bytes_view(btx)}}}};
  emit("produce", k::api_key::produce, k::produce_min_version, k::produce_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_produce_request(w, produce, v); });

  k::fetch_request fetch;
  fetch.topics = {{"t", {{0, 0, 5, -1, 1 << 20}}}};
  fetch.forgotten_topics = {{"old", {1, 2}}};
  emit("fetch", k::api_key::fetch, k::fetch_min_version, k::fetch_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_fetch_request(w, fetch, v); });

  k::list_offsets_request list;
  list.topics = {{"t", {{0, -1, -1}, {1, -1, -2}}}};
  emit("list_offsets", k::api_key::list_offsets, k::list_offsets_min_version,
       k::list_offsets_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_list_offsets_request(w, list, v); });

  k::metadata_request meta;
  meta.topics = std::vector<std::string_view>{"t", "u"};
  emit("metadata", k::api_key::metadata, k::metadata_min_version, k::metadata_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_metadata_request(w, meta, v); });

  k::offset_commit_request commit;
  commit.group_id = "g";
  commit.generation_id = 3;
  commit.member_id = "m-1";
  commit.group_instance_id = "i-1";
  commit.topics = {{"t", {{0, 10, -1, std::string_view{"meta"}}}}};
  emit("offset_commit", k::api_key::offset_commit, k::offset_commit_min_version,
       k::offset_commit_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_offset_commit_request(w, commit, v); });

  k::offset_fetch_request ofetch;
  ofetch.group_id = "g";
  ofetch.topics = std::vector<k::offset_fetch_request_topic>{{"t", {0, 1}}};
  emit("offset_fetch", k::api_key::offset_fetch, k::offset_fetch_min_version,
       k::offset_fetch_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_offset_fetch_request(w, ofetch, v); });

  k::find_coordinator_request find;
  find.key = "g";
  emit("find_coordinator", k::api_key::find_coordinator, k::find_coordinator_min_version,
       k::find_coordinator_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_find_coordinator_request(w, find, v); });

  const std::string range_meta(12, '\1');
  k::join_group_request join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 30000;
  join.protocol_type = "consumer";
  join.group_instance_id = "i-1";
  join.protocols = {{"range", k::bytes_view::of(range_meta)}, {"roundrobin", k::bytes_view::of(range_meta)}};
  emit("join_group", k::api_key::join_group, k::join_group_min_version, k::join_group_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_join_group_request(w, join, v); });

  k::heartbeat_request hb{"g", 3, "m-1", std::string_view{"i-1"}};
  emit("heartbeat", k::api_key::heartbeat, k::heartbeat_min_version, k::heartbeat_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_heartbeat_request(w, hb, v); });

  k::leave_group_request leave;
  leave.group_id = "g";
  leave.member_id = "m-1";
  leave.members = {{"m-1", std::nullopt}, {"m-2", std::string_view{"i-2"}}};
  emit("leave_group", k::api_key::leave_group, k::leave_group_min_version,
       k::leave_group_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_leave_group_request(w, leave, v); });

  k::sync_group_request sync;
  sync.group_id = "g";
  sync.generation_id = 3;
  sync.member_id = "m-1";
  sync.assignments = {{"m-1", k::bytes_view::of(range_meta)}};
  emit("sync_group", k::api_key::sync_group, k::sync_group_min_version, k::sync_group_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_sync_group_request(w, sync, v); });

  k::api_versions_request av{"librdkafka", "2.0.2"};
  emit("api_versions", k::api_key::api_versions, k::api_versions_min_version,
       k::api_versions_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_api_versions_request(w, av, v); });

  k::init_producer_id_request init{std::string_view{"tx-1"}, 60000};
  emit("init_producer_id", k::api_key::init_producer_id, k::init_producer_id_min_version,
       k::init_producer_id_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_init_producer_id_request(w, init, v); });

  k::add_partitions_to_txn_request add_parts;
  add_parts.transactional_id = "tx-1";
  add_parts.producer_id = 7;
  add_parts.producer_epoch = 1;
  add_parts.topics = {{"t", {0, 1}}, {"u", {2}}};
  emit("add_partitions_to_txn", k::api_key::add_partitions_to_txn,
       k::add_partitions_to_txn_min_version, k::add_partitions_to_txn_max_version,
       [&](k::wire_writer& w, std::int16_t v) {
         k::encode_add_partitions_to_txn_request(w, add_parts, v);
       });

  k::add_offsets_to_txn_request add_offsets{"tx-1", 7, 1, "g"};
  emit("add_offsets_to_txn", k::api_key::add_offsets_to_txn, k::add_offsets_to_txn_min_version,
       k::add_offsets_to_txn_max_version, [&](k::wire_writer& w, std::int16_t v) {
         k::encode_add_offsets_to_txn_request(w, add_offsets, v);
       });

  k::end_txn_request end{"tx-1", 7, 1, true};
  emit("end_txn", k::api_key::end_txn, k::end_txn_min_version, k::end_txn_max_version,
       [&](k::wire_writer& w, std::int16_t v) { k::encode_end_txn_request(w, end, v); });

  k::txn_offset_commit_request txn_commit;
  txn_commit.transactional_id = "tx-1";
  txn_commit.group_id = "g";
  txn_commit.producer_id = 7;
  txn_commit.producer_epoch = 1;
  txn_commit.topics = {{"t", {{0, 10, 2, std::string_view{"meta"}}, {1, 11, -1, std::nullopt}}}};
  emit("txn_offset_commit", k::api_key::txn_offset_commit, k::txn_offset_commit_min_version,
       k::txn_offset_commit_max_version, [&](k::wire_writer& w, std::int16_t v) {
         k::encode_txn_offset_commit_request(w, txn_commit, v);
       });

  // Two pipelined frames in one read.
  auto pipelined = frame(k::api_key::api_versions, 3, [&](k::wire_writer& w, std::int16_t v) {
    k::encode_api_versions_request(w, av, v);
  });
  auto second = frame(k::api_key::metadata, 7, [&](k::wire_writer& w, std::int16_t v) {
    k::encode_metadata_request(w, meta, v);
  });
  pipelined.insert(pipelined.end(), second.begin(), second.end());
  write_file(req_dir / "pipelined_api_versions_metadata", pipelined);
  // The listener's input is also fed raw batches, so seed them there too.
  write_file(req_dir / "raw_two_batches", two);
  std::printf("wrote %d requests and 5 batches\n", n + 2);
  return 0;
}
