#pragma once

#include "runtime/result.hpp"

namespace rivulet::io {

/// What went wrong in an io/ operation.
enum class errc {
  ok = 0,
  invalid_argument, ///< The caller passed something unusable: empty batch, value too big.
  truncated,        ///< The input ends before the data it declares: more bytes may come.
  corrupted,        ///< The input is malformed: bad CRC, impossible length, bad magic.
  too_large,        ///< A declared length exceeds a configured maximum.
  unsupported,      ///< Well-formed but not handled yet: a compression codec, an old magic.
  internal,         ///< Any other failure.
};

/// Stable name of `code`, e.g. "truncated".
constexpr const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::invalid_argument: return "invalid_argument";
    case errc::truncated: return "truncated";
    case errc::corrupted: return "corrupted";
    case errc::too_large: return "too_large";
    case errc::unsupported: return "unsupported";
    case errc::internal: return "internal";
  }
  return "unknown";
}

using status = basic_status<errc>;
template <class T>
using result = basic_result<T, errc>;

} // namespace rivulet::io
