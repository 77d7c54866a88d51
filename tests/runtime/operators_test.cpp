#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"

using namespace rivulet;
using rivulet::testing::operator_harness;

namespace {

job_config mode(runtime_mode m) {
  job_config cfg;
  cfg.mode = m;
  return cfg;
}

data_stream<int> ints(stream_environment& env) {
  return env.from_collection(std::vector<int>{});
}

using kv = std::pair<std::string, int>;

data_stream<kv> pairs(stream_environment& env) {
  return env.from_collection(std::vector<kv>{});
}

} // namespace

TEST_CASE("map emits one result per record, in order", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).map([](const int& x) { return std::to_string(x * 2); });
  operator_harness<int, std::string> h{env, s};
  for (int x : {1, 2, 3})
    h.push(x);
  CHECK(h.output() == std::vector<std::string>{"2", "4", "6"});
}

TEST_CASE("filter keeps exactly the records its predicate accepts", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).filter([](int x) { return x % 2 == 0; });
  operator_harness<int, int> h{env, s};
  for (int x = 0; x < 7; ++x)
    h.push(x);
  CHECK(h.output() == std::vector<int>{0, 2, 4, 6});
}

TEST_CASE("flat_map emits zero or more records per input", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).flat_map([](const int& n, collector<int>& out) {
    for (int i = 0; i < n; ++i)
      out.collect(n);
  });
  operator_harness<int, int> h{env, s};
  for (int x : {0, 1, 3})
    h.push(x);
  CHECK(h.output() == std::vector<int>{1, 3, 3, 3});
}

TEST_CASE("flat_map with a generic lambda takes its output type explicitly", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).flat_map<std::string>([](const auto& n, auto& out) { out.collect(std::to_string(n)); });
  operator_harness<int, std::string> h{env, s};
  h.push(7);
  CHECK(h.output() == std::vector<std::string>{"7"});
}

TEST_CASE("a finished chain link finishes its downstream", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).map([](int x) { return x; });
  operator_harness<int, int> h{env, s};
  CHECK_FALSE(h.finished());
  h.finish();
  CHECK(h.finished());
}

TEST_CASE("streaming count emits an updated count for every record", "[runtime][operators][keyed]") {
  stream_environment env{mode(runtime_mode::streaming)};
  auto s = pairs(env).key_by([](const kv& r) { return r.first; }).count();
  operator_harness<kv, std::pair<std::string, std::int64_t>> h{env, s};
  h.push({"a", 0});
  h.push({"b", 0});
  h.push({"a", 0});
  using out = std::pair<std::string, std::int64_t>;
  CHECK(h.output() == std::vector<out>{{"a", 1}, {"b", 1}, {"a", 2}});
}

TEST_CASE("batch count emits each key's final count once, at end of input", "[runtime][operators][keyed]") {
  stream_environment env{mode(runtime_mode::batch)};
  auto s = pairs(env).key_by([](const kv& r) { return r.first; }).count();
  operator_harness<kv, std::pair<std::string, std::int64_t>> h{env, s};
  h.push({"a", 0});
  h.push({"b", 0});
  h.push({"a", 0}, 40);
  CHECK(h.output().empty());
  h.watermark(max_watermark);  // end of input
  auto got = h.output();
  std::sort(got.begin(), got.end());
  using out = std::pair<std::string, std::int64_t>;
  CHECK(got == std::vector<out>{{"a", 2}, {"b", 1}});
  // Each final value carries its key's largest timestamp, ahead of the watermark.
  auto ts = h.output_timestamps();
  std::sort(ts.begin(), ts.end());
  CHECK(ts == std::vector<timestamp>{no_timestamp, 40});
  CHECK(h.output_watermarks() == std::vector<timestamp>{max_watermark});
}

TEST_CASE("rolling sum, min and max follow each key's values", "[runtime][operators][keyed]") {
  stream_environment env{mode(runtime_mode::streaming)};
  auto keyed = pairs(env).key_by([](const kv& r) { return r.first; });
  auto value = [](const kv& r) { return r.second; };
  operator_harness<kv, kv> sum{env, keyed.sum(value)};
  operator_harness<kv, kv> min{env, keyed.min(value)};
  operator_harness<kv, kv> max{env, keyed.max(value)};
  for (auto r : std::vector<kv>{{"a", 5}, {"a", 2}, {"b", 1}, {"a", 9}}) {
    sum.push(r);
    min.push(r);
    max.push(r);
  }
  CHECK(sum.output() == std::vector<kv>{{"a", 5}, {"a", 7}, {"b", 1}, {"a", 16}});
  CHECK(min.output() == std::vector<kv>{{"a", 5}, {"a", 2}, {"b", 1}, {"a", 2}});
  CHECK(max.output() == std::vector<kv>{{"a", 5}, {"a", 5}, {"b", 1}, {"a", 9}});
}

TEST_CASE("reduce folds each key's records with the user function", "[runtime][operators][keyed]") {
  stream_environment env{mode(runtime_mode::streaming)};
  auto s = pairs(env)
             .key_by([](const kv& r) { return r.first; })
             .reduce([](const kv& acc, const kv& r) { return kv{acc.first, acc.second * 10 + r.second}; });
  operator_harness<kv, kv> h{env, s};
  for (auto r : std::vector<kv>{{"x", 1}, {"y", 4}, {"x", 2}, {"x", 3}})
    h.push(r);
  CHECK(h.output() == std::vector<kv>{{"x", 1}, {"y", 4}, {"x", 12}, {"x", 123}});
}

TEST_CASE("an exception in a user function names the operator and instance", "[runtime][operators]") {
  stream_environment env;
  auto s = ints(env).map([](int x) -> int {
    if (x == 3)
      throw std::runtime_error("three is not allowed");
    return x;
  });
  s.name("picky");
  operator_harness<int, int> h{env, s, 1, 4};
  h.push(1);
  try {
    h.push(3);
    FAIL("no exception");
  } catch (const operator_error& e) {
    CHECK(e.operator_name == "picky");
    CHECK(e.instance == 1);
    CHECK(e.cause == "three is not allowed");
    CHECK(std::string(e.what()) == "operator 'picky' instance 2/4 failed: three is not allowed");
  }
}
