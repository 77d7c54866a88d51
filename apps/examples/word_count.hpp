#pragma once

// Word count, the pipeline shared by the example, the CLI and the benchmark.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/datastream.hpp"

namespace rivulet::examples {

inline bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'';
}

/// Calls emit(std::string_view) for each word of `line`: maximal runs of
/// ASCII letters, digits and apostrophes, lowercased into `scratch`.
template <class Emit>
void for_each_word(std::string_view line, std::string& scratch, Emit&& emit) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    while (i < n && !is_word_char(line[i]))
      ++i;
    scratch.clear();
    while (i < n && is_word_char(line[i])) {
      char c = line[i++];
      scratch.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (!scratch.empty())
      emit(std::string_view(scratch));
  }
}

/// lines -> flat_map(split) -> key_by(word) -> count, as (word, count).
inline auto word_count(const data_stream<std::string>& lines) {
  return lines
    .flat_map([scratch = std::string{}](const std::string& line, collector<std::string>& out) mutable {
      for_each_word(line, scratch, [&](std::string_view w) { out.collect(std::string(w)); });
    })
    .name("tokenize")
    .key_by([](const std::string& word) -> const std::string& { return word; })
    .count()
    .name("count");
}

} // namespace rivulet::examples
