#include "io/kafka/list_offsets.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
constexpr std::size_t min_topic_bytes = 2 + 4; // name length, partition count

std::size_t min_partition_bytes(std::int16_t version) {
  return 4 + (version >= 4 ? 4 : 0) + 8;
}

status decode_partitions(wire_reader& body, std::vector<list_offsets_partition>& out,
                         std::int16_t version) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].partitions",
                                                  min_partition_bytes(version)),
                           count);
      !st)
    return st;
  out.resize(count);
  for (auto& p : out) {
    if (auto st = take_field(body.read_int32("partitions[].index"), p.partition_index); !st)
      return st;
    if (version >= 4) {
      if (auto st = take_field(body.read_int32("partitions[].current_leader_epoch"),
                               p.current_leader_epoch);
          !st)
        return st;
    }
    if (auto st = take_field(body.read_int64("partitions[].timestamp"), p.timestamp); !st)
      return st;
  }
  return {};
}

} // namespace

result<list_offsets_request> decode_list_offsets_request(wire_reader& body,
                                                         std::int16_t version) {
  if (version < list_offsets_min_version || version > list_offsets_max_version)
    return detail::unsupported_version("ListOffsets", version);
  list_offsets_request req;
  if (auto st = take_field(body.read_int32("replica_id"), req.replica_id); !st)
    return st;
  if (version >= 2) {
    if (auto st = take_field(body.read_int8("isolation_level"), req.isolation_level); !st)
      return st;
  }
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  req.topics.resize(count);
  for (auto& t : req.topics) {
    if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
      return st;
    if (auto st = decode_partitions(body, t.partitions, version); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "ListOffsets");
  return req;
}

void encode_list_offsets_request(wire_writer& out, const list_offsets_request& req,
                                 std::int16_t version) {
  out.write_int32(req.replica_id);
  if (version >= 2)
    out.write_int8(req.isolation_level);
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      if (version >= 4)
        out.write_int32(p.current_leader_epoch);
      out.write_int64(p.timestamp);
    }
  }
}

void encode_list_offsets_response(wire_writer& out, const list_offsets_response& resp,
                                  std::int16_t version) {
  if (version >= 2)
    out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_int16(p.error_code);
      out.write_int64(p.timestamp);
      out.write_int64(p.offset);
      if (version >= 4)
        out.write_int32(p.leader_epoch);
    }
  }
}

} // namespace rivulet::io::kafka
