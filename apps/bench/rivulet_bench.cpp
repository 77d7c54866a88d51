// rivulet-bench: throughput benchmarks, each printing rivulet's figure next
// to a baseline measured in the same run.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "apps/bench/word_count_bench.hpp"

namespace {

constexpr const char* usage = R"(usage: rivulet-bench word-count [--words N] [--seed S] [--repeats R (default 3, best is kept)]
  word-count   hand-written loop vs rivulet (parallelism 1 and 2) counting
               words of generated Zipf-distributed text (default 20000000 words)
)";

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd != "word-count") {
    std::fprintf(stderr, "rivulet-bench: unknown benchmark '%s'\n%s", cmd.c_str(), usage);
    return 2;
  }
  unsigned long long words = 20000000, seed = 42;
  int repeats = 3;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "rivulet-bench: %s needs a value\n", a.c_str());
      return 2;
    }
    char* end = nullptr;
    auto v = std::strtoull(argv[++i], &end, 10);
    if (*end != '\0' || v == 0) {
      std::fprintf(stderr, "rivulet-bench: %s needs a positive number\n", a.c_str());
      return 2;
    }
    if (a == "--words")
      words = v;
    else if (a == "--seed")
      seed = v;
    else if (a == "--repeats")
      repeats = static_cast<int>(v);
    else {
      std::fprintf(stderr, "rivulet-bench: unknown option '%s'\n", a.c_str());
      return 2;
    }
  }
  return rivulet::bench::word_count(words, seed, repeats);
}
