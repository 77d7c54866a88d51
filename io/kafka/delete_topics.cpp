#include "io/kafka/delete_topics.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

constexpr std::size_t min_name_bytes = 2; // an empty name: its length alone

} // namespace

result<delete_topics_request> decode_delete_topics_request(wire_reader& body,
                                                           std::int16_t version) {
  if (version < delete_topics_min_version || version > delete_topics_max_version)
    return detail::unsupported_version("DeleteTopics", version);
  delete_topics_request req;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topic_names", min_name_bytes), count); !st)
    return st;
  req.topic_names.resize(count);
  for (auto& name : req.topic_names) {
    if (auto st = take_field(body.read_string("topic_names[]"), name); !st)
      return st;
  }
  if (auto st = take_field(body.read_int32("timeout_ms"), req.timeout_ms); !st)
    return st;
  if (!body.at_end())
    return detail::trailing_bytes(body, "DeleteTopics");
  return req;
}

void encode_delete_topics_request(wire_writer& out, const delete_topics_request& req,
                                  std::int16_t /*version*/) {
  // v0..v3 share one layout.
  out.write_array_length(req.topic_names.size());
  for (auto name : req.topic_names)
    out.write_string(name);
  out.write_int32(req.timeout_ms);
}

void encode_delete_topics_response(wire_writer& out, const delete_topics_response& resp,
                                   std::int16_t version) {
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.responses.size());
  for (const auto& r : resp.responses) {
    out.write_string(r.name);
    out.write_int16(r.error_code);
  }
}

} // namespace rivulet::io::kafka
