#include "io/kafka/sync_group.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest assignment entry: a member id length and an assignment length.
constexpr std::size_t min_assignment_bytes = 2 + 4;

} // namespace

result<sync_group_request> decode_sync_group_request(wire_reader& body, std::int16_t version) {
  if (version < sync_group_min_version || version > sync_group_max_version)
    return detail::unsupported_version("SyncGroup", version);
  sync_group_request req;
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
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("assignments", min_assignment_bytes), count);
      !st)
    return st;
  req.assignments.resize(count);
  for (auto& a : req.assignments) {
    if (auto st = take_field(body.read_string("assignments[].member_id"), a.member_id); !st)
      return st;
    if (auto st = detail::take_bytes(body, "assignments[].assignment", a.assignment); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "SyncGroup");
  return req;
}

void encode_sync_group_request(wire_writer& out, const sync_group_request& req,
                               std::int16_t version) {
  out.write_string(req.group_id);
  out.write_int32(req.generation_id);
  out.write_string(req.member_id);
  if (version >= 3)
    out.write_nullable_string(req.group_instance_id);
  out.write_array_length(req.assignments.size());
  for (const auto& a : req.assignments) {
    out.write_string(a.member_id);
    out.write_nullable_bytes(a.assignment);
  }
}

void encode_sync_group_response(wire_writer& out, const sync_group_response& resp,
                                std::int16_t version) {
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
  out.write_nullable_bytes(bytes_view::of(resp.assignment));
}

} // namespace rivulet::io::kafka
