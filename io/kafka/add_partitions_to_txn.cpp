#include "io/kafka/add_partitions_to_txn.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
constexpr std::size_t min_topic_bytes = 2 + 4; // name length, partition count
constexpr std::size_t partition_index_bytes = 4;

status decode_topic(wire_reader& body, add_partitions_to_txn_request_topic& t) {
  if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
    return st;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].partitions", partition_index_bytes),
                           count);
      !st)
    return st;
  t.partitions.resize(count);
  for (auto& index : t.partitions) {
    if (auto st = take_field(body.read_int32("partitions[]"), index); !st)
      return st;
  }
  return {};
}

} // namespace

result<add_partitions_to_txn_request> decode_add_partitions_to_txn_request(wire_reader& body,
                                                                           std::int16_t version) {
  if (version < add_partitions_to_txn_min_version || version > add_partitions_to_txn_max_version)
    return detail::unsupported_version("AddPartitionsToTxn", version);
  add_partitions_to_txn_request req;
  if (auto st = take_field(body.read_string("transactional_id"), req.transactional_id); !st)
    return st;
  if (auto st = take_field(body.read_int64("producer_id"), req.producer_id); !st)
    return st;
  if (auto st = take_field(body.read_int16("producer_epoch"), req.producer_epoch); !st)
    return st;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  req.topics.resize(count);
  for (auto& t : req.topics) {
    if (auto st = decode_topic(body, t); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "AddPartitionsToTxn");
  return req;
}

void encode_add_partitions_to_txn_request(wire_writer& out,
                                          const add_partitions_to_txn_request& req,
                                          std::int16_t) {
  // v0..v2 share one layout.
  out.write_string(req.transactional_id);
  out.write_int64(req.producer_id);
  out.write_int16(req.producer_epoch);
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (auto index : t.partitions)
      out.write_int32(index);
  }
}

void encode_add_partitions_to_txn_response(wire_writer& out,
                                           const add_partitions_to_txn_response& resp,
                                           std::int16_t) {
  out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.results.size());
  for (const auto& t : resp.results) {
    out.write_string(t.name);
    out.write_array_length(t.results.size());
    for (const auto& p : t.results) {
      out.write_int32(p.partition_index);
      out.write_int16(p.error_code);
    }
  }
}

} // namespace rivulet::io::kafka
