#pragma once

// Compile-time facts about user functions, for readable static_asserts and
// for deducing flat_map's output type from its collector parameter.

#include <tuple>
#include <type_traits>

#include "runtime/collector.hpp"

namespace rivulet::detail {

template <class F, class = void>
struct call_signature {
  static constexpr bool known = false;
};

template <class R, class... Args>
struct call_signature<R (*)(Args...)> {
  static constexpr bool known = true;
  using args = std::tuple<Args...>;
};

template <class C, class R, class... Args>
struct call_signature<R (C::*)(Args...)> : call_signature<R (*)(Args...)> {};
template <class C, class R, class... Args>
struct call_signature<R (C::*)(Args...) const> : call_signature<R (*)(Args...)> {};

template <class F>
struct call_signature<F, std::void_t<decltype(&F::operator())>>
  : call_signature<decltype(&F::operator())> {};

template <class T>
struct collector_value {
  using type = void;
};
template <class T>
struct collector_value<collector<T>> {
  using type = T;
};

/// The T of a flat_map function `fn(const In&, collector<T>&)`, or void
/// when it cannot be read off (generic lambdas).
template <class F, class = void>
struct flat_map_output {
  using type = void;
};
template <class F>
struct flat_map_output<F, std::enable_if_t<call_signature<std::decay_t<F>>::known>> {
  using args = typename call_signature<std::decay_t<F>>::args;
  using type = std::conditional_t<
    std::tuple_size_v<args> == 2,
    typename collector_value<std::decay_t<std::tuple_element_t<std::tuple_size_v<args> == 2 ? 1 : 0, args>>>::type,
    void>;
};

template <class K, class = void>
struct is_equality_comparable : std::false_type {};
template <class K>
struct is_equality_comparable<K, std::void_t<decltype(std::declval<const K&>() == std::declval<const K&>())>>
  : std::true_type {};

} // namespace rivulet::detail
