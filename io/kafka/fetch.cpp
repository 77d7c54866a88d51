#include "io/kafka/fetch.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
constexpr std::size_t min_topic_bytes = 2 + 4; // name length, partition count

std::size_t min_partition_bytes(std::int16_t version) {
  return 4 + (version >= 9 ? 4 : 0) + 8 + (version >= 5 ? 8 : 0) + 4;
}

status decode_partition(wire_reader& body, fetch_partition& p, std::int16_t version) {
  if (auto st = take_field(body.read_int32("partitions[].index"), p.partition_index); !st)
    return st;
  if (version >= 9) {
    if (auto st = take_field(body.read_int32("partitions[].current_leader_epoch"),
                             p.current_leader_epoch);
        !st)
      return st;
  }
  if (auto st = take_field(body.read_int64("partitions[].fetch_offset"), p.fetch_offset); !st)
    return st;
  if (version >= 5) {
    if (auto st = take_field(body.read_int64("partitions[].log_start_offset"),
                             p.log_start_offset);
        !st)
      return st;
  }
  return take_field(body.read_int32("partitions[].partition_max_bytes"), p.partition_max_bytes);
}

status decode_topics(wire_reader& body, std::vector<fetch_topic>& out, std::int16_t version) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  out.resize(count);
  for (auto& t : out) {
    if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
      return st;
    std::size_t partitions = 0;
    if (auto st = take_field(body.read_array_length("topics[].partitions",
                                                    min_partition_bytes(version)),
                             partitions);
        !st)
      return st;
    t.partitions.resize(partitions);
    for (auto& p : t.partitions)
      if (auto st = decode_partition(body, p, version); !st)
        return st;
  }
  return {};
}

status decode_forgotten_topics(wire_reader& body, std::vector<fetch_forgotten_topic>& out) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("forgotten_topics", min_topic_bytes), count);
      !st)
    return st;
  out.resize(count);
  for (auto& t : out) {
    if (auto st = take_field(body.read_string("forgotten_topics[].name"), t.name); !st)
      return st;
    std::size_t partitions = 0;
    if (auto st = take_field(body.read_array_length("forgotten_topics[].partitions", 4),
                             partitions);
        !st)
      return st;
    t.partitions.resize(partitions);
    for (auto& p : t.partitions)
      if (auto st = take_field(body.read_int32("forgotten_topics[].partitions[]"), p); !st)
        return st;
  }
  return {};
}

} // namespace

result<fetch_request> decode_fetch_request(wire_reader& body, std::int16_t version) {
  if (version < fetch_min_version || version > fetch_max_version)
    return detail::unsupported_version("Fetch", version);
  fetch_request req;
  if (auto st = take_field(body.read_int32("replica_id"), req.replica_id); !st)
    return st;
  if (auto st = take_field(body.read_int32("max_wait_ms"), req.max_wait_ms); !st)
    return st;
  if (auto st = take_field(body.read_int32("min_bytes"), req.min_bytes); !st)
    return st;
  if (auto st = take_field(body.read_int32("max_bytes"), req.max_bytes); !st)
    return st;
  if (auto st = take_field(body.read_int8("isolation_level"), req.isolation_level); !st)
    return st;
  if (version >= 7) {
    if (auto st = take_field(body.read_int32("session_id"), req.session_id); !st)
      return st;
    if (auto st = take_field(body.read_int32("session_epoch"), req.session_epoch); !st)
      return st;
  }
  if (auto st = decode_topics(body, req.topics, version); !st)
    return st;
  if (version >= 7) {
    if (auto st = decode_forgotten_topics(body, req.forgotten_topics); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "Fetch");
  return req;
}

void encode_fetch_request(wire_writer& out, const fetch_request& req, std::int16_t version) {
  out.write_int32(req.replica_id);
  out.write_int32(req.max_wait_ms);
  out.write_int32(req.min_bytes);
  out.write_int32(req.max_bytes);
  out.write_int8(req.isolation_level);
  if (version >= 7) {
    out.write_int32(req.session_id);
    out.write_int32(req.session_epoch);
  }
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      if (version >= 9)
        out.write_int32(p.current_leader_epoch);
      out.write_int64(p.fetch_offset);
      if (version >= 5)
        out.write_int64(p.log_start_offset);
      out.write_int32(p.partition_max_bytes);
    }
  }
  if (version >= 7) {
    out.write_array_length(req.forgotten_topics.size());
    for (const auto& t : req.forgotten_topics) {
      out.write_string(t.name);
      out.write_array_length(t.partitions.size());
      for (auto p : t.partitions)
        out.write_int32(p);
    }
  }
}

namespace {

void encode_partition(wire_writer& out, const fetch_partition_response& p,
                      std::int16_t version) {
  out.write_int32(p.partition_index);
  out.write_int16(p.error_code);
  out.write_int64(p.high_watermark);
  out.write_int64(p.last_stable_offset);
  if (version >= 5)
    out.write_int64(p.log_start_offset);
  if (!p.aborted_transactions) {
    out.write_array_length(std::nullopt);
  } else {
    out.write_array_length(p.aborted_transactions->size());
    for (const auto& a : *p.aborted_transactions) {
      out.write_int64(a.producer_id);
      out.write_int64(a.first_offset);
    }
  }
  out.write_nullable_bytes(p.records);
}

} // namespace

void encode_fetch_response(wire_writer& out, const fetch_response& resp, std::int16_t version) {
  out.write_int32(resp.throttle_time_ms);
  if (version >= 7) {
    out.write_int16(resp.error_code);
    out.write_int32(resp.session_id);
  }
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions)
      encode_partition(out, p, version);
  }
}

} // namespace rivulet::io::kafka
