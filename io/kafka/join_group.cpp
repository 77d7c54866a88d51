#include "io/kafka/join_group.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest protocol entry: a name length and a metadata length.
constexpr std::size_t min_protocol_bytes = 2 + 4;

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>{*s} : std::nullopt;
}

} // namespace

result<join_group_request> decode_join_group_request(wire_reader& body, std::int16_t version) {
  if (version < join_group_min_version || version > join_group_max_version)
    return detail::unsupported_version("JoinGroup", version);
  join_group_request req;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  if (auto st = take_field(body.read_int32("session_timeout_ms"), req.session_timeout_ms); !st)
    return st;
  req.rebalance_timeout_ms = req.session_timeout_ms;
  if (version >= 1) {
    if (auto st = take_field(body.read_int32("rebalance_timeout_ms"), req.rebalance_timeout_ms);
        !st)
      return st;
  }
  if (auto st = take_field(body.read_string("member_id"), req.member_id); !st)
    return st;
  if (version >= 5) {
    if (auto st = take_field(body.read_nullable_string("group_instance_id"),
                             req.group_instance_id);
        !st)
      return st;
  }
  if (auto st = take_field(body.read_string("protocol_type"), req.protocol_type); !st)
    return st;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("protocols", min_protocol_bytes), count); !st)
    return st;
  req.protocols.resize(count);
  for (auto& p : req.protocols) {
    if (auto st = take_field(body.read_string("protocols[].name"), p.name); !st)
      return st;
    if (auto st = detail::take_bytes(body, "protocols[].metadata", p.metadata); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "JoinGroup");
  return req;
}

void encode_join_group_request(wire_writer& out, const join_group_request& req,
                               std::int16_t version) {
  out.write_string(req.group_id);
  out.write_int32(req.session_timeout_ms);
  if (version >= 1)
    out.write_int32(req.rebalance_timeout_ms);
  out.write_string(req.member_id);
  if (version >= 5)
    out.write_nullable_string(req.group_instance_id);
  out.write_string(req.protocol_type);
  out.write_array_length(req.protocols.size());
  for (const auto& p : req.protocols) {
    out.write_string(p.name);
    out.write_nullable_bytes(p.metadata);
  }
}

void encode_join_group_response(wire_writer& out, const join_group_response& resp,
                                std::int16_t version) {
  if (version >= 2)
    out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
  out.write_int32(resp.generation_id);
  out.write_string(resp.protocol_name);
  out.write_string(resp.leader);
  out.write_string(resp.member_id);
  out.write_array_length(resp.members.size());
  for (const auto& m : resp.members) {
    out.write_string(m.member_id);
    if (version >= 5)
      out.write_nullable_string(view(m.group_instance_id));
    out.write_nullable_bytes(bytes_view::of(m.metadata));
  }
}

} // namespace rivulet::io::kafka
