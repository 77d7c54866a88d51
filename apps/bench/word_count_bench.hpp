#pragma once

#include <cstdint>

namespace rivulet::bench {

/// rivulet-bench word-count: hand-written loop vs rivulet at parallelism 1
/// and 2 on the same generated lines. Returns the process exit code.
int word_count(std::uint64_t words, std::uint64_t seed, int repeats);

} // namespace rivulet::bench
