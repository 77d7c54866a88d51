#include "io/kafka/api_versions.hpp"

#include <string>

namespace rivulet::io::kafka {

namespace {

status trailing_bytes(const wire_reader& in, const char* what) {
  return {errc::corrupted, std::string(what) + " has " + std::to_string(in.remaining()) +
                             " unexpected bytes at offset " + std::to_string(in.offset())};
}

} // namespace

result<api_versions_request> decode_api_versions_request(wire_reader& body,
                                                         std::int16_t version) {
  if (version < api_versions_min_version || version > api_versions_max_version)
    return status{errc::unsupported,
                  "ApiVersions v" + std::to_string(version) + " is not supported"};
  api_versions_request req;
  if (version >= 3) {
    auto name = body.read_compact_string("client_software_name");
    if (!name)
      return in_complete_frame(name.error());
    req.client_software_name = *name;
    auto sw_version = body.read_compact_string("client_software_version");
    if (!sw_version)
      return in_complete_frame(sw_version.error());
    req.client_software_version = *sw_version;
    if (auto st = body.skip_tagged_fields("ApiVersions request tagged fields"); !st)
      return in_complete_frame(st);
  }
  if (!body.at_end())
    return trailing_bytes(body, "ApiVersions request");
  return req;
}

void encode_api_versions_request(wire_writer& out, const api_versions_request& req,
                                 std::int16_t version) {
  if (version < 3)
    return;
  out.write_compact_string(req.client_software_name);
  out.write_compact_string(req.client_software_version);
  out.write_empty_tagged_fields();
}

void encode_api_versions_response(wire_writer& out, const api_versions_response& resp,
                                  std::int16_t version) {
  bool flexible = version >= 3;
  out.write_int16(resp.error_code);
  if (flexible)
    out.write_compact_array_length(resp.api_keys.size());
  else
    out.write_array_length(resp.api_keys.size());
  for (const auto& range : resp.api_keys) {
    out.write_int16(static_cast<std::int16_t>(range.key));
    out.write_int16(range.min_version);
    out.write_int16(range.max_version);
    if (flexible)
      out.write_empty_tagged_fields();
  }
  if (version >= 1)
    out.write_int32(resp.throttle_time_ms);
  if (flexible)
    out.write_empty_tagged_fields();
}

api_versions_response unsupported_api_versions_response(api_version_range supported) {
  api_versions_response resp;
  resp.error_code = kafka_error::unsupported_version;
  resp.api_keys.push_back(supported);
  return resp;
}

} // namespace rivulet::io::kafka
