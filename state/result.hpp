#pragma once

#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

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

/// Outcome of an operation without a value: ok, or an error code plus a
/// message naming what failed (path, db, key) and why.
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
    return ok() ? "ok" : std::string(state::to_string(code_)) + ": " + message_;
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

} // namespace rivulet::state
