#include "io/kafka/heartbeat.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

result<heartbeat_request> decode_heartbeat_request(wire_reader& body, std::int16_t version) {
  if (version < heartbeat_min_version || version > heartbeat_max_version)
    return detail::unsupported_version("Heartbeat", version);
  heartbeat_request req;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  if (auto st = take_field(body.read_int32("generation_id"), req.generation_id); !st)
    return st;
  if (auto st = take_field(body.read_string("member_id"), req.member_id); !st)
    return st;
  if (version >= 3) {
    if (auto st = take_field(body.read_nullable_string("group_instance_id"),
                             req.group_instance_id);
        !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "Heartbeat");
  return req;
}

void encode_heartbeat_request(wire_writer& out, const heartbeat_request& req,
                              std::int16_t version) {
  out.write_string(req.group_id);
  out.write_int32(req.generation_id);
  out.write_string(req.member_id);
  if (version >= 3)
    out.write_nullable_string(req.group_instance_id);
}

void encode_heartbeat_response(wire_writer& out, const heartbeat_response& resp,
                               std::int16_t version) {
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
}

} // namespace rivulet::io::kafka
