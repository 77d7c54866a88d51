#include "io/kafka/offset_fetch.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
constexpr std::size_t min_topic_bytes = 2 + 4; // name length, index count
constexpr std::size_t partition_index_bytes = 4;

status decode_topics(wire_reader& body, std::vector<offset_fetch_request_topic>& out) {
  for (auto& t : out) {
    if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
      return st;
    std::size_t count = 0;
    if (auto st = take_field(body.read_array_length("topics[].partition_indexes",
                                                    partition_index_bytes),
                             count);
        !st)
      return st;
    t.partition_indexes.resize(count);
    for (auto& index : t.partition_indexes) {
      if (auto st = take_field(body.read_int32("partition_indexes[]"), index); !st)
        return st;
    }
  }
  return {};
}

} // namespace

result<offset_fetch_request> decode_offset_fetch_request(wire_reader& body,
                                                         std::int16_t version) {
  if (version < offset_fetch_min_version || version > offset_fetch_max_version)
    return detail::unsupported_version("OffsetFetch", version);
  offset_fetch_request req;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  std::optional<std::size_t> count;
  if (version >= 2) {
    if (auto st = take_field(body.read_nullable_array_length("topics", min_topic_bytes), count);
        !st)
      return st;
  } else {
    std::size_t n = 0;
    if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), n); !st)
      return st;
    count = n;
  }
  if (count) {
    req.topics.emplace(*count);
    if (auto st = decode_topics(body, *req.topics); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "OffsetFetch");
  return req;
}

void encode_offset_fetch_request(wire_writer& out, const offset_fetch_request& req,
                                 std::int16_t) {
  out.write_string(req.group_id);
  if (!req.topics) {
    out.write_array_length(std::nullopt);
    return;
  }
  out.write_array_length(req.topics->size());
  for (const auto& t : *req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partition_indexes.size());
    for (auto index : t.partition_indexes)
      out.write_int32(index);
  }
}

void encode_offset_fetch_response(wire_writer& out, const offset_fetch_response& resp,
                                  std::int16_t version) {
  if (version >= 3)
    out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_int64(p.committed_offset);
      if (version >= 5)
        out.write_int32(p.committed_leader_epoch);
      out.write_nullable_string(p.metadata ? std::optional<std::string_view>{*p.metadata}
                                           : std::nullopt);
      out.write_int16(p.error_code);
    }
  }
  if (version >= 2)
    out.write_int16(resp.error_code);
}

} // namespace rivulet::io::kafka
