#include "io/kafka/produce.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating: a topic is a
// name length and a partition count; a partition an index and a bytes length.
constexpr std::size_t min_topic_bytes = 2 + 4;
constexpr std::size_t min_partition_bytes = 4 + 4;

status decode_partitions(wire_reader& body, std::vector<produce_partition_data>& out) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].partitions", min_partition_bytes),
                           count);
      !st)
    return st;
  out.resize(count);
  for (auto& p : out) {
    if (auto st = take_field(body.read_int32("partitions[].index"), p.partition_index); !st)
      return st;
    if (auto st = take_field(body.read_nullable_bytes("partitions[].records"), p.records); !st)
      return st;
  }
  return {};
}

} // namespace

result<produce_request> decode_produce_request(wire_reader& body, std::int16_t version) {
  if (version < produce_min_version || version > produce_max_version)
    return detail::unsupported_version("Produce", version);
  produce_request req;
  if (auto st = take_field(body.read_nullable_string("transactional_id"), req.transactional_id);
      !st)
    return st;
  if (auto st = take_field(body.read_int16("acks"), req.acks); !st)
    return st;
  if (auto st = take_field(body.read_int32("timeout_ms"), req.timeout_ms); !st)
    return st;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  req.topics.resize(count);
  for (auto& t : req.topics) {
    if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
      return st;
    if (auto st = decode_partitions(body, t.partitions); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "Produce");
  return req;
}

void encode_produce_request(wire_writer& out, const produce_request& req, std::int16_t) {
  // v3..v7 requests share one layout.
  out.write_nullable_string(req.transactional_id);
  out.write_int16(req.acks);
  out.write_int32(req.timeout_ms);
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_nullable_bytes(p.records);
    }
  }
}

void encode_produce_response(wire_writer& out, const produce_response& resp,
                             std::int16_t version) {
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_int16(p.error_code);
      out.write_int64(p.base_offset);
      out.write_int64(p.log_append_time_ms);
      if (version >= 5)
        out.write_int64(p.log_start_offset);
    }
  }
  out.write_int32(resp.throttle_time_ms);
}

} // namespace rivulet::io::kafka
