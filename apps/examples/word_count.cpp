// A readable tour of the DataStream API: count the words of a text file.
//
//   word_count FILE [PARALLELISM]
//
// Reads FILE line by line, splits lines into words, partitions by word and
// counts per word in batch mode (one final count per word), then prints the
// ten most frequent words and the job's figures.

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "actors/environment.hpp"
#include "apps/examples/word_count.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: word_count FILE [PARALLELISM]\n";
    return 2;
  }
  rivulet::job_config cfg;
  cfg.mode = rivulet::runtime_mode::batch;  // bounded input: emit each count once
  cfg.parallelism = argc > 2 ? std::atoi(argv[2]) : 0;

  rivulet::environment env{cfg};
  auto lines = env.read_text_file(argv[1]).parallelism(1);
  auto counts = rivulet::examples::word_count(lines).collect();

  std::cout << env.explain() << '\n';
  auto result = env.execute("word count");
  if (!result.ok()) {
    std::cerr << result.error << '\n';
    return 1;
  }
  auto words = counts.get();
  std::sort(words.begin(), words.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (std::size_t i = 0; i < words.size() && i < 10; ++i)
    std::cout << words[i].second << '\t' << words[i].first << '\n';
  std::cout << result.summary();
  return 0;
}
