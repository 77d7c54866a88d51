#include "io/kafka/metadata.hpp"

#include <string>

namespace rivulet::io::kafka {

result<metadata_request> decode_metadata_request(wire_reader& body, std::int16_t version) {
  if (version < metadata_min_version || version > metadata_max_version)
    return status{errc::unsupported, "Metadata v" + std::to_string(version) + " is not supported"};
  metadata_request req;
  // Each topic is at least an int16 length.
  auto count = body.read_nullable_array_length("topics", 2);
  if (!count)
    return in_complete_frame(count.error());
  if (*count) {
    std::vector<std::string_view> topics;
    topics.reserve(**count);
    for (std::size_t i = 0; i < **count; ++i) {
      auto name = body.read_string("topics[].name");
      if (!name)
        return in_complete_frame(name.error());
      topics.push_back(*name);
    }
    // v0 has no null: an empty list asks for every topic.
    if (!(version == 0 && topics.empty()))
      req.topics = std::move(topics);
  }
  if (version >= 4) {
    auto allow = body.read_int8("allow_auto_topic_creation");
    if (!allow)
      return in_complete_frame(allow.error());
    req.allow_auto_topic_creation = *allow != 0;
  }
  if (!body.at_end())
    return status{errc::corrupted, "Metadata request has " + std::to_string(body.remaining()) +
                                     " unexpected bytes at offset " +
                                     std::to_string(body.offset())};
  return req;
}

void encode_metadata_request(wire_writer& out, const metadata_request& req,
                             std::int16_t version) {
  if (!req.topics && version == 0) {
    out.write_array_length(0);  // v0: empty means all
  } else if (!req.topics) {
    out.write_array_length(std::nullopt);
  } else {
    out.write_array_length(req.topics->size());
    for (auto name : *req.topics)
      out.write_string(name);
  }
  if (version >= 4)
    out.write_int8(req.allow_auto_topic_creation ? 1 : 0);
}

namespace {

void write_int32_array(wire_writer& out, const std::vector<std::int32_t>& values) {
  out.write_array_length(values.size());
  for (auto v : values)
    out.write_int32(v);
}

void write_partition(wire_writer& out, const metadata_partition& p, std::int16_t version) {
  out.write_int16(p.error_code);
  out.write_int32(p.partition_index);
  out.write_int32(p.leader_id);
  if (version >= 7)
    out.write_int32(p.leader_epoch);
  write_int32_array(out, p.replica_nodes);
  write_int32_array(out, p.isr_nodes);
  if (version >= 5)
    write_int32_array(out, p.offline_replicas);
}

} // namespace

void encode_metadata_response(wire_writer& out, const metadata_response& resp,
                              std::int16_t version) {
  if (version >= 3)
    out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.brokers.size());
  for (const auto& b : resp.brokers) {
    out.write_int32(b.node_id);
    out.write_string(b.host);
    out.write_int32(b.port);
    if (version >= 1)
      out.write_nullable_string(b.rack ? std::optional<std::string_view>{*b.rack} : std::nullopt);
  }
  if (version >= 2)
    out.write_nullable_string(resp.cluster_id ? std::optional<std::string_view>{*resp.cluster_id}
                                              : std::nullopt);
  if (version >= 1)
    out.write_int32(resp.controller_id);
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_int16(t.error_code);
    out.write_string(t.name);
    if (version >= 1)
      out.write_int8(t.is_internal ? 1 : 0);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions)
      write_partition(out, p, version);
  }
}

} // namespace rivulet::io::kafka
