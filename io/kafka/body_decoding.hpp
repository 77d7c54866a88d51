#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <string>
#include <utility>

// Small helpers shared by the request-body decoders (produce, fetch,
// list_offsets, the group APIs). Internal to io/kafka; not a public API.
namespace rivulet::io::kafka::detail {

/// Moves the value of `r` into `into`, or returns its error as seen from
/// inside a complete frame (truncated becomes corrupted).
template <class T, class U>
status take_field(result<T> r, U& into) {
  if (!r)
    return in_complete_frame(r.error());
  into = std::move(*r);
  return {};
}

/// Reads int32-length bytes that may not be null (protocol metadata,
/// assignments) into `into`; null is corrupted.
inline status take_bytes(wire_reader& in, const char* field, bytes_view& into) {
  auto start = in.offset();
  auto r = in.read_nullable_bytes(field);
  if (!r)
    return in_complete_frame(r.error());
  if (!*r)
    return {errc::corrupted, std::string(field) + " at offset " + std::to_string(start) +
                               " is null"};
  into = **r;
  return {};
}

/// Error for a request of `api` at a `version` outside [min, max].
inline status unsupported_version(const char* api, std::int16_t version) {
  return {errc::unsupported, std::string(api) + " v" + std::to_string(version) +
                               " is not supported"};
}

/// Error for bytes left after the last field of a request body.
inline status trailing_bytes(const wire_reader& in, const char* api) {
  return {errc::corrupted, std::string(api) + " request has " + std::to_string(in.remaining()) +
                             " unexpected bytes at offset " + std::to_string(in.offset())};
}

} // namespace rivulet::io::kafka::detail
