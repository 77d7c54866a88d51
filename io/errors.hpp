#pragma once

#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace rivulet::io {

/// What went wrong in an io/ operation. Modelled on state/result.hpp, kept
/// separate because io/ must not depend on state/.
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

/// Outcome of an operation without a value: ok, or an error code plus a
/// message naming what failed (field, byte offset) and why.
class [[nodiscard]] status {
public:
  /// An ok status.
  status() noexcept = default;
  status(errc code, std::string message)
    : code_(code), message_(std::move(message)) {
  }

  bool ok() const noexcept { return code_ == errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  errc code() const noexcept { return code_; }
  /// Empty when ok.
  const std::string& message() const noexcept { return message_; }
  /// "ok", or "<code>: <message>" for logs and test output.
  std::string to_string() const {
    return ok() ? "ok" : std::string(io::to_string(code_)) + ": " + message_;
  }

private:
  errc code_ = errc::ok;
  std::string message_;
};

/// Either a value of type T or an error status, never both. Reading the
/// value of an error result is a contract violation that aborts, also in
/// release builds.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<std::decay_t<T>, status>,
                "rivulet: use status, not result<status>");

public:
  result(T value) : v_(std::in_place_index<1>, std::move(value)) {
  }
  /// `error` must not be ok.
  result(status error) : v_(std::in_place_index<0>, std::move(error)) {
    if (std::get<0>(v_).ok())
      std::abort();
  }

  bool ok() const noexcept { return v_.index() == 1; }
  explicit operator bool() const noexcept { return ok(); }

  /// Precondition: ok().
  T& value() & { return (check(), std::get<1>(v_)); }
  const T& value() const& { return (check(), std::get<1>(v_)); }
  T&& value() && { return (check(), std::get<1>(std::move(v_))); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; an ok status when ok().
  status error() const { return ok() ? status{} : std::get<0>(v_); }

private:
  void check() const {
    if (!ok())
      std::abort();
  }

  std::variant<status, T> v_;
};

} // namespace rivulet::io
