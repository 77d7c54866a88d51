#pragma once

// Text form of records for print() and write_text_file(): strings as they
// are, arithmetic values as numbers, pairs and tuples as "(a,b)", anything
// else through its operator<<.

#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rivulet {

template <class T, class = void>
struct is_streamable : std::false_type {};
template <class T>
struct is_streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
  : std::true_type {};

template <class T>
struct is_formattable : is_streamable<T> {};
template <class A, class B>
struct is_formattable<std::pair<A, B>>
  : std::bool_constant<is_formattable<A>::value && is_formattable<B>::value> {};
template <class... Ts>
struct is_formattable<std::tuple<Ts...>> : std::bool_constant<(is_formattable<Ts>::value && ...)> {};

template <class T>
void format_to(std::ostream& os, const T& value);

namespace detail {
template <class Tuple, std::size_t... Is>
void format_tuple(std::ostream& os, const Tuple& t, std::index_sequence<Is...>) {
  os << '(';
  ((os << (Is == 0 ? "" : ","), format_to(os, std::get<Is>(t))), ...);
  os << ')';
}
template <class T>
struct is_tuple_like : std::false_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};
} // namespace detail

template <class T>
void format_to(std::ostream& os, const T& value) {
  if constexpr (detail::is_tuple_like<T>::value) {
    detail::format_tuple(os, value, std::make_index_sequence<std::tuple_size<T>::value>{});
  } else {
    static_assert(is_streamable<T>::value,
                  "rivulet: print()/write_text_file() need `std::ostream& operator<<(std::ostream&, const T&)` "
                  "for the record type (pairs and tuples of printable types work as is)");
    os << value;
  }
}

} // namespace rivulet
