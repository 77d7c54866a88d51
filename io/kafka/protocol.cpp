#include "io/kafka/protocol.hpp"

#include <cstdlib>
#include <string>

namespace rivulet::io::kafka {

result<std::optional<frame>> split_frame(bytes_view input, std::size_t max_frame_bytes) {
  if (input.size() < 4)
    return std::optional<frame>{};
  auto size = static_cast<std::int32_t>(load_be32(input.data()));
  if (size < 0)
    return status{errc::corrupted, "frame size " + std::to_string(size) + " is negative"};
  auto n = static_cast<std::size_t>(size);
  if (n > max_frame_bytes)
    return status{errc::too_large, "frame size " + std::to_string(n) +
                                     " exceeds the maximum of " +
                                     std::to_string(max_frame_bytes) + " bytes"};
  if (input.size() - 4 < n)
    return std::optional<frame>{};
  return std::optional<frame>{frame{input.subspan(4, n), 4 + n}};
}

bool is_flexible(api_key key, std::int16_t version) noexcept {
  // First flexible version of each API, from the flexibleVersions field of
  // apache/kafka's clients/src/main/resources/common/message/*.json.
  std::int16_t first = -1;
  switch (key) {
    case api_key::produce: first = 9; break;
    case api_key::fetch: first = 12; break;
    case api_key::list_offsets: first = 6; break;
    case api_key::metadata: first = 9; break;
    case api_key::offset_commit: first = 8; break;
    case api_key::offset_fetch: first = 6; break;
    case api_key::find_coordinator: first = 3; break;
    case api_key::join_group: first = 6; break;
    case api_key::heartbeat: first = 4; break;
    case api_key::leave_group: first = 4; break;
    case api_key::sync_group: first = 4; break;
    case api_key::api_versions: first = 3; break;
    case api_key::create_topics: first = 5; break;
    case api_key::delete_topics: first = 4; break;
    case api_key::init_producer_id: first = 2; break;
    case api_key::add_partitions_to_txn: first = 3; break;
    case api_key::add_offsets_to_txn: first = 3; break;
    case api_key::end_txn: first = 3; break;
    case api_key::txn_offset_commit: first = 3; break;
  }
  return first >= 0 && version >= first;
}

std::int16_t request_header_version(api_key key, std::int16_t version) noexcept {
  return is_flexible(key, version) ? 2 : 1;
}

std::int16_t response_header_version(api_key key, std::int16_t version) noexcept {
  if (key == api_key::api_versions)
    return 0;
  return is_flexible(key, version) ? 1 : 0;
}

status in_complete_frame(status st) {
  if (st.code() != errc::truncated)
    return st;
  return {errc::corrupted, st.message() + " (the frame is complete, so the request is malformed)"};
}

result<request> parse_request(bytes_view payload, std::size_t max_length_bytes) {
  // Offsets in messages count from the start of the payload; the size
  // prefix before it is not included.
  wire_reader in{payload, 0, max_length_bytes};
  request_header h;
  auto key = in.read_int16("api_key");
  if (!key)
    return in_complete_frame(key.error());
  h.key = static_cast<api_key>(*key);
  auto version = in.read_int16("api_version");
  if (!version)
    return in_complete_frame(version.error());
  h.api_version = *version;
  if (h.api_version < 0)
    return status{errc::corrupted, "api_version " + std::to_string(h.api_version) +
                                     " is negative"};
  auto correlation = in.read_int32("correlation_id");
  if (!correlation)
    return in_complete_frame(correlation.error());
  h.correlation_id = *correlation;
  auto client_id = in.read_nullable_string("client_id");
  if (!client_id)
    return in_complete_frame(client_id.error());
  h.client_id = *client_id;
  if (request_header_version(h.key, h.api_version) >= 2) {
    if (auto st = in.skip_tagged_fields("request header tagged fields"); !st)
      return in_complete_frame(st);
  }
  return request{h, in};
}

void write_request_header(wire_writer& out, const request_header& header,
                          std::int16_t header_version) {
  out.write_int16(static_cast<std::int16_t>(header.key));
  out.write_int16(header.api_version);
  out.write_int32(header.correlation_id);
  out.write_nullable_string(header.client_id);
  if (header_version >= 2)
    out.write_empty_tagged_fields();
}

void write_response_header(wire_writer& out, std::int32_t correlation_id,
                           std::int16_t header_version) {
  out.write_int32(correlation_id);
  if (header_version >= 1)
    out.write_empty_tagged_fields();
}

std::size_t begin_response(std::vector<std::uint8_t>& out, api_key key, std::int16_t version,
                           std::int32_t correlation_id) {
  std::size_t start = out.size();
  wire_writer w{out};
  w.write_int32(0); // size, patched by finish_frame
  write_response_header(w, correlation_id, response_header_version(key, version));
  return start;
}

void finish_frame(std::vector<std::uint8_t>& out, std::size_t frame_start) {
  if (frame_start + 4 > out.size() || out.size() - frame_start - 4 > 0x7fffffffu)
    std::abort(); // not a frame begun by begin_response, or over 2 GiB: the caller's bug
  wire_writer{out}.patch_int32(frame_start,
                               static_cast<std::int32_t>(out.size() - frame_start - 4));
}

} // namespace rivulet::io::kafka
