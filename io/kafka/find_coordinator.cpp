#include "io/kafka/find_coordinator.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

result<find_coordinator_request> decode_find_coordinator_request(wire_reader& body,
                                                                 std::int16_t version) {
  if (version < find_coordinator_min_version || version > find_coordinator_max_version)
    return detail::unsupported_version("FindCoordinator", version);
  find_coordinator_request req;
  if (auto st = take_field(body.read_string("key"), req.key); !st)
    return st;
  if (version >= 1) {
    if (auto st = take_field(body.read_int8("key_type"), req.key_type); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "FindCoordinator");
  return req;
}

void encode_find_coordinator_request(wire_writer& out, const find_coordinator_request& req,
                                     std::int16_t version) {
  out.write_string(req.key);
  if (version >= 1)
    out.write_int8(req.key_type);
}

void encode_find_coordinator_response(wire_writer& out, const find_coordinator_response& resp,
                                      std::int16_t version) {
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
  if (version >= 1) {
    out.write_nullable_string(resp.error_message
                                ? std::optional<std::string_view>{*resp.error_message}
                                : std::nullopt);
  }
  out.write_int32(resp.node_id);
  out.write_string(resp.host);
  out.write_int32(resp.port);
}

} // namespace rivulet::io::kafka
