#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace rivulet {

/// Hash of a record key, used both to route records to the instance that
/// owns their key and to index keyed state. It must be the same in every
/// process of a job: integers and strings hash by value here; other key
/// types fall back to std::hash<K>, which a user type must define by value
/// (never from addresses) once jobs span processes.
template <class K, class = void>
struct key_hash {
  std::uint64_t operator()(const K& key) const {
    return std::hash<K>{}(key);
  }
};

/// splitmix64 finalizer: spreads consecutive integers over all bits.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <class K>
struct key_hash<K, std::enable_if_t<std::is_integral_v<K> || std::is_enum_v<K>>> {
  std::uint64_t operator()(K key) const noexcept {
    return mix64(static_cast<std::uint64_t>(key));
  }
};

template <>
struct key_hash<std::string> {
  std::uint64_t operator()(const std::string& key) const noexcept {
    return std::hash<std::string_view>{}(key);
  }
};

/// Instance in [0, n) that owns a key with hash `h`.
inline std::size_t key_group(std::uint64_t h, std::size_t n) noexcept {
  // Re-mix so that routing is independent of the bits a hash map on the
  // receiving side uses for its buckets; map onto [0, n) by the high bits
  // of a 64x64 product rather than a division.
  return static_cast<std::size_t>((static_cast<unsigned __int128>(mix64(h)) * n) >> 64);
}

} // namespace rivulet
