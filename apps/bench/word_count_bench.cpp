// The COST-style yardstick for the dataflow engine: a competent
// single-threaded loop against the rivulet job doing the same work, on the
// same in-memory lines, in the same process, one after the other.

#include "apps/bench/word_count_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <string_view>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/environment.hpp"
#include "apps/examples/word_count.hpp"

namespace rivulet::bench {

namespace {

using counts_t = std::unordered_map<std::string, std::int64_t>;

/// Lines of ~10 words drawn Zipf-like (s = 1) from a fixed vocabulary.
std::vector<std::string> make_lines(std::uint64_t words, std::uint64_t seed) {
  std::mt19937_64 rng{seed};
  constexpr std::size_t vocab_size = 50000;
  std::vector<std::string> vocab;
  vocab.reserve(vocab_size);
  std::uniform_int_distribution<int> len(2, 10), letter(0, 25);
  for (std::size_t i = 0; i < vocab_size; ++i) {
    std::string w;
    for (int j = len(rng); j > 0; --j)
      w.push_back(static_cast<char>('a' + letter(rng)));
    vocab.push_back(std::move(w));
  }
  std::vector<double> cdf(vocab_size);
  double sum = 0;
  for (std::size_t i = 0; i < vocab_size; ++i)
    cdf[i] = (sum += 1.0 / static_cast<double>(i + 1));
  std::uniform_real_distribution<double> u(0, sum);
  std::uniform_int_distribution<int> per_line(5, 15);
  std::vector<std::string> lines;
  lines.reserve(words / 10 + 1);
  std::uint64_t made = 0;
  while (made < words) {
    std::string line;
    for (int k = per_line(rng); k > 0 && made < words; --k, ++made) {
      auto idx = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
      if (!line.empty())
        line.push_back(' ');
      line += vocab[std::min(idx, vocab_size - 1)];
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

/// The baseline: one thread, no framework. Words are looked up by view and
/// copied only the first time they are seen (into an arena that keeps the
/// views valid), so the common case allocates nothing.
counts_t loop_count(const std::vector<std::string>& lines) {
  std::unordered_map<std::string_view, std::int64_t> counts;
  counts.reserve(1 << 16);
  std::deque<std::string> arena;
  std::string scratch;
  for (auto& line : lines)
    examples::for_each_word(line, scratch, [&](std::string_view w) {
      auto it = counts.find(w);
      if (it != counts.end()) {
        ++it->second;
        return;
      }
      arena.emplace_back(w);
      counts.emplace(arena.back(), 1);
    });
  return counts_t(counts.begin(), counts.end());
}

struct run_figures {
  double seconds = 0;
  bool matches = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

run_figures run_rivulet(const std::vector<std::string>& lines, int parallelism, const counts_t& expected) {
  job_config cfg;
  cfg.mode = runtime_mode::batch;
  cfg.parallelism = parallelism;
  cfg.threads = parallelism;
  environment env{cfg};
  auto counts = examples::word_count(env.from_collection(lines)).collect();
  auto t0 = std::chrono::steady_clock::now();
  auto result = env.execute("bench word-count p" + std::to_string(parallelism));
  run_figures f;
  f.seconds = seconds_since(t0);
  if (!result.ok()) {
    std::fprintf(stderr, "rivulet-bench: job failed: %s\n", result.error.c_str());
    return f;
  }
  auto got = counts.get();
  f.matches = got.size() == expected.size();
  for (auto& [word, n] : got) {
    auto it = expected.find(word);
    f.matches = f.matches && it != expected.end() && it->second == n;
  }
  return f;
}

} // namespace

int word_count(std::uint64_t words, std::uint64_t seed, int repeats) {
  std::printf("generating %llu words (seed %llu)...\n", static_cast<unsigned long long>(words),
              static_cast<unsigned long long>(seed));
  auto lines = make_lines(words, seed);
  // The copy the rivulet source shares: from_collection takes ownership.
  double loop_s = 1e300, p1_s = 1e300, p2_s = 1e300;
  bool ok = true;
  counts_t expected;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    expected = loop_count(lines);
    loop_s = std::min(loop_s, seconds_since(t0));
    auto p1 = run_rivulet(lines, 1, expected);
    auto p2 = run_rivulet(lines, 2, expected);
    ok = ok && p1.matches && p2.matches;
    p1_s = std::min(p1_s, p1.seconds);
    p2_s = std::min(p2_s, p2.seconds);
  }
  auto w = static_cast<double>(words);
  double loop_eps = w / loop_s, p1_eps = w / p1_s, p2_eps = w / p2_s;
  std::printf("\nword-count, %llu words, %zu lines, best of %d\n", static_cast<unsigned long long>(words),
              lines.size(), repeats);
  std::printf("  %-28s %14s %10s\n", "run", "words/s", "vs loop");
  std::printf("  %-28s %14.0f %10.2f\n", "hand-written loop (1 thread)", loop_eps, 1.0);
  std::printf("  %-28s %14.0f %10.2f\n", "rivulet parallelism 1", p1_eps, p1_eps / loop_eps);
  std::printf("  %-28s %14.0f %10.2f\n", "rivulet parallelism 2", p2_eps, p2_eps / loop_eps);
  std::printf("  results equal to the loop's: %s\n\n", ok ? "yes" : "NO");
  std::printf("{\"bench\":\"word-count\",\"words\":%llu,\"loop_eps\":%.0f,\"p1_eps\":%.0f,\"p2_eps\":%.0f,"
              "\"ratio_p1\":%.3f,\"ratio_p2\":%.3f,\"results_match\":%s}\n",
              static_cast<unsigned long long>(words), loop_eps, p1_eps, p2_eps, p1_eps / loop_eps,
              p2_eps / loop_eps, ok ? "true" : "false");
  return ok ? 0 : 1;
}

} // namespace rivulet::bench
