#pragma once

// Errors as values: a status (ok, or a code and a message naming what
// failed) and a result<T> (a value or an error status). Each folder has its
// own error code enum with a to_string() found by argument-dependent lookup
// and aliases these templates (state/result.hpp, io/errors.hpp).

#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace rivulet {

namespace detail {
/// The folder's to_string(errc), found by argument-dependent lookup.
template <class Errc>
const char* errc_name(Errc code) noexcept {
  return to_string(code);
}
} // namespace detail

/// Outcome of an operation without a value: ok, or an error code plus a
/// message naming what failed (path, db, key) and why.
template <class Errc>
class [[nodiscard]] basic_status {
public:
  /// An ok status.
  basic_status() noexcept = default;
  basic_status(Errc code, std::string message)
    : code_(code), message_(std::move(message)) {
  }

  bool ok() const noexcept { return code_ == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  Errc code() const noexcept { return code_; }
  /// Empty when ok.
  const std::string& message() const noexcept { return message_; }
  /// "ok", or "<code>: <message>" for logs and test output.
  std::string to_string() const {
    return ok() ? "ok" : std::string(detail::errc_name(code_)) + ": " + message_;
  }

private:
  Errc code_ = Errc::ok;
  std::string message_;
};

/// Either a value of type T or an error status, never both. Reading the
/// value of an error result is a contract violation that aborts, also in
/// release builds.
template <class T, class Errc>
class [[nodiscard]] basic_result {
  using status = basic_status<Errc>;
  static_assert(!std::is_same_v<std::decay_t<T>, status>,
                "rivulet: use status, not result<status>");

public:
  basic_result(T value) : v_(std::in_place_index<1>, std::move(value)) {
  }
  /// `error` must not be ok.
  basic_result(status error) : v_(std::in_place_index<0>, std::move(error)) {
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

} // namespace rivulet
