// libFuzzer target: a connection's input as the Kafka listener reads it.
// Cuts frames with split_frame, parses each request header, decodes the
// body with the decoder of its api key and version (every API the codec
// has), and runs the record batch parsers over the records of decoded
// Produce requests and over the whole input. Any crash, leak, hang or
// out-of-bounds read is a bug in io/kafka.

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
#include "io/kafka/sync_group.hpp"
#include "io/kafka/txn_offset_commit.hpp"
#include "tests/fuzz/batch_exercise.hpp"

#include <cstddef>
#include <cstdint>

namespace {

namespace k = rivulet::io::kafka;

std::size_t decode_body(k::request& req) {
  const std::int16_t v = req.header.api_version;
  k::wire_reader& body = req.body;
  switch (req.header.key) {
    case k::api_key::produce: {
      auto r = k::decode_produce_request(body, v);
      if (!r)
        return 0;
      std::size_t sum = 0;
      for (const auto& topic : r->topics)
        for (const auto& part : topic.partitions)
          if (part.records)
            sum += rivulet::fuzz::exercise_batches(*part.records);
      return sum;
    }
    case k::api_key::fetch: return k::decode_fetch_request(body, v) ? 1 : 0;
    case k::api_key::list_offsets: return k::decode_list_offsets_request(body, v) ? 1 : 0;
    case k::api_key::metadata: return k::decode_metadata_request(body, v) ? 1 : 0;
    case k::api_key::offset_commit: return k::decode_offset_commit_request(body, v) ? 1 : 0;
    case k::api_key::offset_fetch: return k::decode_offset_fetch_request(body, v) ? 1 : 0;
    case k::api_key::find_coordinator: return k::decode_find_coordinator_request(body, v) ? 1 : 0;
    case k::api_key::join_group: return k::decode_join_group_request(body, v) ? 1 : 0;
    case k::api_key::heartbeat: return k::decode_heartbeat_request(body, v) ? 1 : 0;
    case k::api_key::leave_group: return k::decode_leave_group_request(body, v) ? 1 : 0;
    case k::api_key::sync_group: return k::decode_sync_group_request(body, v) ? 1 : 0;
    case k::api_key::api_versions: return k::decode_api_versions_request(body, v) ? 1 : 0;
    case k::api_key::init_producer_id: return k::decode_init_producer_id_request(body, v) ? 1 : 0;
    case k::api_key::add_partitions_to_txn:
      return k::decode_add_partitions_to_txn_request(body, v) ? 1 : 0;
    case k::api_key::add_offsets_to_txn:
      return k::decode_add_offsets_to_txn_request(body, v) ? 1 : 0;
    case k::api_key::end_txn: return k::decode_end_txn_request(body, v) ? 1 : 0;
    case k::api_key::txn_offset_commit: return k::decode_txn_offset_commit_request(body, v) ? 1 : 0;
    default: return 0; // No decoder yet: the listener answers unsupported.
  }
}

std::size_t handle_payload(k::bytes_view payload) {
  auto req = k::parse_request(payload);
  if (!req)
    return 0;
  std::size_t sum = req->header.client_id ? req->header.client_id->size() : 0;
  return sum + decode_body(*req);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const k::bytes_view input{data, size};
  std::size_t sum = 0;
  // Pipelined frames, as one read from a socket may hold several. A small
  // frame limit too, so too_large is reachable.
  k::bytes_view rest = input;
  bool any_frame = false;
  for (;;) {
    auto cut = k::split_frame(rest, std::size_t{1} << 16);
    if (!cut || !*cut)
      break;
    any_frame = true;
    sum += handle_payload((*cut)->payload);
    rest = rest.subspan((*cut)->frame_bytes);
  }
  (void)k::split_frame(input);
  // Without a whole frame, still exercise the header and body decoders.
  if (!any_frame)
    sum += handle_payload(input);
  sum += rivulet::fuzz::exercise_batches(input);
  volatile std::size_t sink = sum;
  (void)sink;
  return 0;
}
