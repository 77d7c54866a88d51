#include "io/kafka/create_topics.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
// name length, num_partitions, replication_factor, assignment and config counts
constexpr std::size_t min_topic_bytes = 2 + 4 + 2 + 4 + 4;
constexpr std::size_t min_assignment_bytes = 4 + 4; // partition index, broker count
constexpr std::size_t min_config_bytes = 2 + 2;     // name length, value length

status decode_assignments(wire_reader& body, std::vector<create_topics_assignment>& out) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].assignments", min_assignment_bytes),
                           count);
      !st)
    return st;
  out.resize(count);
  for (auto& a : out) {
    if (auto st = take_field(body.read_int32("assignments[].partition_index"),
                             a.partition_index);
        !st)
      return st;
    std::size_t brokers = 0;
    if (auto st = take_field(body.read_array_length("assignments[].broker_ids", 4), brokers);
        !st)
      return st;
    a.broker_ids.resize(brokers);
    for (auto& id : a.broker_ids) {
      if (auto st = take_field(body.read_int32("assignments[].broker_ids[]"), id); !st)
        return st;
    }
  }
  return {};
}

status decode_configs(wire_reader& body, std::vector<create_topics_config>& out) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].configs", min_config_bytes), count);
      !st)
    return st;
  out.resize(count);
  for (auto& c : out) {
    if (auto st = take_field(body.read_string("configs[].name"), c.name); !st)
      return st;
    if (auto st = take_field(body.read_nullable_string("configs[].value"), c.value); !st)
      return st;
  }
  return {};
}

status decode_topic(wire_reader& body, create_topics_topic& t) {
  if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
    return st;
  if (auto st = take_field(body.read_int32("topics[].num_partitions"), t.num_partitions); !st)
    return st;
  if (auto st = take_field(body.read_int16("topics[].replication_factor"),
                           t.replication_factor);
      !st)
    return st;
  if (auto st = decode_assignments(body, t.assignments); !st)
    return st;
  return decode_configs(body, t.configs);
}

} // namespace

result<create_topics_request> decode_create_topics_request(wire_reader& body,
                                                           std::int16_t version) {
  if (version < create_topics_min_version || version > create_topics_max_version)
    return detail::unsupported_version("CreateTopics", version);
  create_topics_request req;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  req.topics.resize(count);
  for (auto& t : req.topics) {
    if (auto st = decode_topic(body, t); !st)
      return st;
  }
  if (auto st = take_field(body.read_int32("timeout_ms"), req.timeout_ms); !st)
    return st;
  if (version >= 1) {
    std::int8_t flag = 0;
    if (auto st = take_field(body.read_int8("validate_only"), flag); !st)
      return st;
    req.validate_only = flag != 0;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "CreateTopics");
  return req;
}

void encode_create_topics_request(wire_writer& out, const create_topics_request& req,
                                  std::int16_t version) {
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_int32(t.num_partitions);
    out.write_int16(t.replication_factor);
    out.write_array_length(t.assignments.size());
    for (const auto& a : t.assignments) {
      out.write_int32(a.partition_index);
      out.write_array_length(a.broker_ids.size());
      for (auto id : a.broker_ids)
        out.write_int32(id);
    }
    out.write_array_length(t.configs.size());
    for (const auto& c : t.configs) {
      out.write_string(c.name);
      out.write_nullable_string(c.value);
    }
  }
  out.write_int32(req.timeout_ms);
  if (version >= 1)
    out.write_int8(req.validate_only ? 1 : 0);
}

void encode_create_topics_response(wire_writer& out, const create_topics_response& resp,
                                   std::int16_t version) {
  if (version >= 2)
    out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_int16(t.error_code);
    if (version >= 1)
      out.write_nullable_string(t.error_message);
  }
}

} // namespace rivulet::io::kafka
