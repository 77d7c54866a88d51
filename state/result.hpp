#pragma once

#include "runtime/result.hpp"

namespace rivulet::state {

/// What went wrong in a state/ operation.
enum class errc {
  ok = 0,
  invalid_argument, ///< Bad input: empty db name, key too long, store moved from.
  io_error,         ///< The filesystem refused: no permission, not a directory, EIO.
  full,             ///< A configured limit was reached: map size, named dbs, readers.
  corrupted,        ///< On-disk data is damaged or from an incompatible version.
  internal,         ///< Any other storage engine failure.
};

/// Stable name of `code`, e.g. "io_error".
constexpr const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::invalid_argument: return "invalid_argument";
    case errc::io_error: return "io_error";
    case errc::full: return "full";
    case errc::corrupted: return "corrupted";
    case errc::internal: return "internal";
  }
  return "unknown";
}

using status = basic_status<errc>;
template <class T>
using result = basic_result<T, errc>;

} // namespace rivulet::state
