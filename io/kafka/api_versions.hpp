#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// ApiVersions (key 18) versions this codec decodes and encodes: 0..3, v3
/// flexible.
inline constexpr std::int16_t api_versions_min_version = 0;
inline constexpr std::int16_t api_versions_max_version = 3;

/// ApiVersions request. v0-v2 have an empty body; the names are v3 only and
/// view the frame.
struct api_versions_request {
  std::string_view client_software_name;
  std::string_view client_software_version;
};

/// One entry of the api_keys array: a key and its supported version range.
struct api_version_range {
  api_key key = api_key::api_versions;
  std::int16_t min_version = 0;
  std::int16_t max_version = 0;
  friend bool operator==(const api_version_range& a, const api_version_range& b) noexcept {
    return a.key == b.key && a.min_version == b.min_version && a.max_version == b.max_version;
  }
};

/// ApiVersions response body.
struct api_versions_response {
  std::int16_t error_code = kafka_error::none;
  std::vector<api_version_range> api_keys;
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
};

/// Decodes the body of an ApiVersions request at `version` (0..3; the
/// caller checks the range first, see unsupported_api_versions_response).
/// The whole body must be consumed: trailing bytes are corrupted.
result<api_versions_request> decode_api_versions_request(wire_reader& body,
                                                         std::int16_t version);

/// Encodes an ApiVersions request body; for clients and tests.
void encode_api_versions_request(wire_writer& out, const api_versions_request& req,
                                 std::int16_t version);

/// Encodes an ApiVersions response body at `version` (0..3). The response
/// header is always v0 (see response_header_version).
void encode_api_versions_response(wire_writer& out, const api_versions_response& resp,
                                  std::int16_t version);

/// What Kafka answers an ApiVersions request of a version it does not
/// support: error UNSUPPORTED_VERSION (35) and only the ApiVersions entry
/// (`supported`), encoded at version 0 so that any client can read it and
/// retry with a version in the range.
api_versions_response unsupported_api_versions_response(api_version_range supported = {
                                                          api_key::api_versions,
                                                          api_versions_min_version,
                                                          api_versions_max_version});

} // namespace rivulet::io::kafka
