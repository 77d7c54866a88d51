// The rivulet command line: run bundled jobs, print the version.

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "actors/environment.hpp"
#include "runtime/log.hpp"
#include "apps/cluster_cli.hpp"
#include "apps/topic_demo.hpp"
#include "apps/examples/word_count.hpp"

namespace {

constexpr const char* version = "0.1.0";

constexpr const char* usage = R"(rivulet - actor-model stream processing

usage:
  rivulet --help                 this text
  rivulet version                print the version
  rivulet run word-count --input FILE [options]
                                 count the words of FILE, print the top words
      --top K                    words to print (default 10)
      --parallelism N            default operator parallelism (default: cores)
      --mode batch|streaming     batch (default): one final count per word;
                                 streaming: a rolling count per record
      --explain                  print the physical plan before running
)";

struct options {
  std::string input;
  std::size_t top = 10;
  int parallelism = 0;
  rivulet::runtime_mode mode = rivulet::runtime_mode::batch;
  bool explain = false;
};

int fail(const std::string& msg) {
  std::cerr << "rivulet: " << msg << "\n(see rivulet --help)\n";
  return 2;
}

bool parse_number(const std::string& s, long long lo, long long hi, long long& out) {
  try {
    std::size_t used = 0;
    out = std::stoll(s, &used);
    return used == s.size() && out >= lo && out <= hi;
  } catch (...) {
    return false;
  }
}

int run_word_count(const options& opt) {
  rivulet::job_config cfg;
  cfg.mode = opt.mode;
  cfg.parallelism = opt.parallelism;
  rivulet::environment env{cfg};
  auto counts = rivulet::examples::word_count(env.read_text_file(opt.input).parallelism(1)).collect();
  if (opt.explain)
    std::cout << env.explain() << '\n';
  auto result = env.execute("word-count " + opt.input);
  if (!result.ok()) {
    std::cerr << "rivulet: " << result.error << '\n';
    return 1;
  }
  auto words = counts.get();
  if (opt.mode == rivulet::runtime_mode::streaming) {
    // Rolling updates: the last (largest) count per word is its total.
    std::sort(words.begin(), words.end());
    std::vector<std::pair<std::string, std::int64_t>> last;
    for (auto& w : words)
      if (last.empty() || last.back().first != w.first)
        last.push_back(w);
      else
        last.back().second = std::max(last.back().second, w.second);
    words = std::move(last);
  }
  std::sort(words.begin(), words.end(), [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::uint64_t total = 0;
  for (auto& w : words)
    total += static_cast<std::uint64_t>(w.second);
  std::cout << "top " << std::min(opt.top, words.size()) << " of " << words.size() << " distinct words ("
            << total << " words):\n";
  for (std::size_t i = 0; i < words.size() && i < opt.top; ++i)
    std::cout << "  " << std::setw(8) << words[i].second << "  " << words[i].first << '\n';
  std::cout << '\n' << result.summary();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // The CLI shows warnings and errors unless RIVULET_LOG asks for more.
  if (rivulet::current_log_level() == rivulet::log_level::off)
    rivulet::set_log_level(rivulet::log_level::warn);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage << rivulet::cli::cluster_usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::cout << "rivulet " << version << '\n';
    return 0;
  }
  if (args[0] == "node")
    return rivulet::cli::node_main(args);
  if (args[0] == "topic")
    return rivulet::cli::topic_main(args);
  if (args[0] == "produce")
    return rivulet::cli::produce_main(args);
  if (args[0] == "consume")
    return rivulet::cli::consume_main(args);
  if (args[0] == "demo")
    return rivulet::cli::demo_main(args);
  if (args[0] != "run")
    return fail("unknown command '" + args[0] + "'");
  if (args.size() < 2 || args[1] != "word-count")
    return fail(args.size() < 2 ? "run needs a job name" : "unknown job '" + args[1] + "'");
  options opt;
  for (std::size_t i = 2; i < args.size(); ++i) {
    auto& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size())
        return false;
      out = args[++i];
      return true;
    };
    std::string v;
    long long n = 0;
    if (a == "--input") {
      if (!value(opt.input))
        return fail("--input needs a file");
    } else if (a == "--top") {
      if (!value(v) || !parse_number(v, 1, 1000000, n))
        return fail("--top needs a number in [1, 1000000]");
      opt.top = static_cast<std::size_t>(n);
    } else if (a == "--parallelism") {
      if (!value(v) || !parse_number(v, 1, 1024, n))
        return fail("--parallelism needs a number in [1, 1024]");
      opt.parallelism = static_cast<int>(n);
    } else if (a == "--mode") {
      if (!value(v) || (v != "batch" && v != "streaming"))
        return fail("--mode needs batch or streaming");
      opt.mode = v == "batch" ? rivulet::runtime_mode::batch : rivulet::runtime_mode::streaming;
    } else if (a == "--explain") {
      opt.explain = true;
    } else {
      return fail("unknown option '" + a + "'");
    }
  }
  if (opt.input.empty())
    return fail("run word-count needs --input FILE");
  return run_word_count(opt);
}
