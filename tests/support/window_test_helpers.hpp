#pragma once

// Shared pieces of the window tests: a keyed record (key, value) whose
// event time is given to the harness's push, the count result type, and
// the keyed stream the windows are built on.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/datastream.hpp"

namespace rivulet::testing {

/// (key, value); the event timestamp travels beside it.
using kv = std::pair<std::string, int>;
/// What count() emits: (key, window, count).
using count_result = windowed<std::string, std::int64_t>;
using count_results = std::vector<count_result>;
using timestamps = std::vector<timestamp>;

inline std::string key_of(const kv& r) {
  return r.first;
}

/// A keyed stream of kv records, keyed by their first member.
inline auto keyed_kv(stream_environment& env) {
  return env.from_collection(std::vector<kv>{}).key_by(&key_of);
}

/// Records as "key=value" text, so that failed checks print them (Catch
/// cannot print a std::pair).
inline std::vector<std::string> as_text(const std::vector<kv>& v) {
  std::vector<std::string> out;
  for (auto& r : v)
    out.push_back(r.first + "=" + std::to_string(r.second));
  return out;
}
using texts = std::vector<std::string>;

/// `v` sorted: for outputs whose order across keys is not specified.
template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

} // namespace rivulet::testing
