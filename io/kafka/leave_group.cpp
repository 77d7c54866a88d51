#include "io/kafka/leave_group.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest member entry: a member id length and a group instance id length.
constexpr std::size_t min_member_bytes = 2 + 2;

} // namespace

result<leave_group_request> decode_leave_group_request(wire_reader& body, std::int16_t version) {
  if (version < leave_group_min_version || version > leave_group_max_version)
    return detail::unsupported_version("LeaveGroup", version);
  leave_group_request req;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  if (version <= 2) {
    if (auto st = take_field(body.read_string("member_id"), req.member_id); !st)
      return st;
  } else {
    std::size_t count = 0;
    if (auto st = take_field(body.read_array_length("members", min_member_bytes), count); !st)
      return st;
    req.members.resize(count);
    for (auto& m : req.members) {
      if (auto st = take_field(body.read_string("members[].member_id"), m.member_id); !st)
        return st;
      if (auto st = take_field(body.read_nullable_string("members[].group_instance_id"),
                               m.group_instance_id);
          !st)
        return st;
    }
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "LeaveGroup");
  return req;
}

void encode_leave_group_request(wire_writer& out, const leave_group_request& req,
                                std::int16_t version) {
  out.write_string(req.group_id);
  if (version <= 2) {
    out.write_string(req.member_id);
    return;
  }
  out.write_array_length(req.members.size());
  for (const auto& m : req.members) {
    out.write_string(m.member_id);
    out.write_nullable_string(m.group_instance_id);
  }
}

void encode_leave_group_response(wire_writer& out, const leave_group_response& resp,
                                 std::int16_t version) {
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
  if (version < 3)
    return;
  out.write_array_length(resp.members.size());
  for (const auto& m : resp.members) {
    out.write_string(m.member_id);
    out.write_nullable_string(m.group_instance_id
                                ? std::optional<std::string_view>{*m.group_instance_id}
                                : std::nullopt);
    out.write_int16(m.error_code);
  }
}

} // namespace rivulet::io::kafka
