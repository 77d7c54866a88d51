// Whole jobs on the threaded actor runtime: results, routing, sinks.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "actors/environment.hpp"
#include "apps/examples/word_count.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet;

namespace {

job_config cfg_with(int parallelism, runtime_mode mode = runtime_mode::batch) {
  job_config cfg;
  cfg.parallelism = parallelism;
  cfg.threads = 2;
  cfg.mode = mode;
  cfg.batch_size = 64;
  return cfg;
}

std::vector<std::string> sample_lines() {
  std::vector<std::string> lines;
  for (int i = 0; i < 500; ++i)
    lines.push_back("the quick brown fox " + std::to_string(i % 7) + " jumps over the lazy dog, The END");
  return lines;
}

using counts = std::map<std::string, std::int64_t>;

counts expected_counts(const std::vector<std::string>& lines) {
  counts c;
  std::string scratch;
  for (auto& l : lines)
    examples::for_each_word(l, scratch, [&](std::string_view w) { ++c[std::string(w)]; });
  return c;
}

counts run_word_count(const job_config& cfg, const std::vector<std::string>& lines) {
  environment env{cfg};
  auto out = examples::word_count(env.from_collection(lines)).collect();
  auto r = env.execute("word count");
  REQUIRE(r.ok());
  counts c;
  for (auto& [w, n] : out.get()) {
    INFO("word " << w);
    CHECK(c.count(w) == 0);  // batch mode: one final count per word
    c[w] = n;
  }
  return c;
}

} // namespace

TEST_CASE("word count gives exact counts at parallelism 1 and 3", "[actors][job]") {
  auto lines = sample_lines();
  auto want = expected_counts(lines);
  CHECK(run_word_count(cfg_with(1), lines) == want);
  CHECK(run_word_count(cfg_with(3), lines) == want);
}

TEST_CASE("a chained pipeline gives the same results as an unchained one", "[actors][job][chaining]") {
  auto build = [](bool chaining) {
    auto cfg = cfg_with(2);
    cfg.chaining = chaining;
    environment env{cfg};
    auto out = env.from_generator(10000, [](std::uint64_t i) { return static_cast<int>(i); })
                 .map([](int x) { return x * 3; })
                 .filter([](int x) { return x % 2 == 0; })
                 .map([](int x) { return x + 1; })
                 .collect();
    auto tasks = env.plan().tasks.size();
    auto r = env.execute();
    REQUIRE(r.ok());
    auto v = out.get();
    std::sort(v.begin(), v.end());
    return std::make_pair(v, tasks);
  };
  auto [chained, chained_tasks] = build(true);
  auto [separate, separate_tasks] = build(false);
  CHECK(chained_tasks == 1);
  CHECK(separate_tasks == 5);
  CHECK(chained.size() == 5000);
  CHECK(chained == separate);
}

TEST_CASE("key_by routes all records of a key to one instance", "[actors][job][keyed]") {
  auto cfg = cfg_with(3, runtime_mode::streaming);
  environment env{cfg};
  struct seen_t {
    std::mutex mtx;
    std::map<int, std::set<int>> instances_of_key;
    std::atomic<int> next_tag{0};
  };
  auto seen = std::make_shared<seen_t>();
  env.from_generator(3000, [](std::uint64_t i) { return static_cast<int>(i % 101); })
    .rebalance()
    .key_by([](int x) { return x; })
    .count()
    // Each instance of the sink holds its own copy of this function and
    // tags itself on first use; count and sink are chained, so the sink's
    // instance is the count's.
    .sink([seen, tag = -1](const std::pair<int, std::int64_t>& kv) mutable {
      if (tag < 0)
        tag = seen->next_tag++;
      std::lock_guard<std::mutex> guard{seen->mtx};
      seen->instances_of_key[kv.first].insert(tag);
    });
  auto r = env.execute();
  REQUIRE(r.ok());
  CHECK(seen->instances_of_key.size() == 101);
  CHECK(seen->next_tag.load() == 3);
  for (auto& [key, tags] : seen->instances_of_key) {
    INFO("key " << key);
    CHECK(tags.size() == 1);
  }
}

TEST_CASE("streaming count emits one update per record", "[actors][job][keyed]") {
  environment env{cfg_with(2, runtime_mode::streaming)};
  auto out = env.from_generator(1000, [](std::uint64_t i) { return static_cast<int>(i % 10); })
               .key_by([](int x) { return x; })
               .count()
               .collect();
  auto r = env.execute();
  REQUIRE(r.ok());
  auto v = out.get();
  CHECK(v.size() == 1000);
  std::map<int, std::int64_t> last;
  for (auto& [k, n] : v)
    last[k] = std::max(last[k], n);
  for (int k = 0; k < 10; ++k)
    CHECK(last[k] == 100);
  auto* count = r.find("count");
  REQUIRE(count != nullptr);
  CHECK(count->records_in == 1000);
  CHECK(count->records_out == 1000);
}

TEST_CASE("union, rebalance and broadcast deliver the expected multisets", "[actors][job]") {
  environment env{cfg_with(3)};
  auto a = env.from_collection(std::vector<int>{1, 2, 3}).parallelism(1);
  auto b = env.from_collection(std::vector<int>{10, 20}).parallelism(2);
  auto merged = a.union_with(b).collect();
  auto spread = a.rebalance().map([](int x) { return x * 2; }).collect();
  auto everywhere = b.broadcast().map([](int x) { return x; }).parallelism(3).collect();
  auto r = env.execute();
  REQUIRE(r.ok());
  auto m = merged.get();
  std::sort(m.begin(), m.end());
  CHECK(m == std::vector<int>{1, 2, 3, 10, 20});
  auto s = spread.get();
  std::sort(s.begin(), s.end());
  CHECK(s == std::vector<int>{2, 4, 6});
  auto e = everywhere.get();
  std::sort(e.begin(), e.end());
  CHECK(e == std::vector<int>{10, 10, 10, 20, 20, 20});
}

TEST_CASE("empty input ends the job cleanly with empty results", "[actors][job]") {
  environment env{cfg_with(2)};
  auto out = env.from_collection(std::vector<std::string>{})
               .flat_map([](const std::string& s, collector<std::string>& o) { o.collect(s); })
               .key_by([](const std::string& s) { return s; })
               .count()
               .collect();
  auto r = env.execute("empty");
  REQUIRE(r.ok());
  CHECK(out.get().empty());
  CHECK(r.attempts == 1);
}

TEST_CASE("text files are read and written line by line", "[actors][job][files]") {
  rivulet::testing::temp_dir dir;
  auto in = dir.path() / "in.txt";
  auto outp = dir.path() / "out.txt";
  {
    std::ofstream f(in);
    f << "b\na\r\nc\n";
  }
  environment env{cfg_with(2)};
  env.read_text_file(in.string()).map([](const std::string& s) { return s + "!"; }).write_text_file(outp.string());
  auto r = env.execute();
  REQUIRE(r.ok());
  std::ifstream f(outp);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);)
    lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"a!", "b!", "c!"});
}

TEST_CASE("a job can be executed twice with fresh results", "[actors][job]") {
  environment env{cfg_with(2)};
  auto out = env.from_collection(std::vector<int>{1, 2, 3}).map([](int x) { return x; }).collect();
  REQUIRE(env.execute().ok());
  REQUIRE(env.execute().ok());
  CHECK(out.get().size() == 3);
}

TEST_CASE("print writes one line per record, prefixed by instance above parallelism 1", "[actors][job]") {
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  environment env{cfg_with(2)};
  env.from_collection(std::vector<int>{1, 2, 3, 4}).map([](int x) { return std::make_pair(x, x * x); }).print();
  auto r = env.execute();
  std::cout.rdbuf(old);
  REQUIRE(r.ok());
  std::vector<std::string> lines;
  std::istringstream in(captured.str());
  for (std::string l; std::getline(in, l);)
    lines.push_back(l.substr(l.find("> ") + 2));
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"(1,1)", "(2,4)", "(3,9)", "(4,16)"});
  CHECK_THAT(captured.str(), Catch::Contains("1> ") && Catch::Contains("2> "));
}
