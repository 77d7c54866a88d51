#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "runtime/datastream.hpp"

using namespace rivulet;

namespace {

job_config par(int p, bool chaining = true) {
  job_config cfg;
  cfg.parallelism = p;
  cfg.chaining = chaining;
  return cfg;
}

} // namespace

TEST_CASE("one-to-one operators of equal parallelism chain into one task", "[runtime][plan]") {
  stream_environment env{par(2)};
  env.from_collection(std::vector<int>{1})
    .map([](int x) { return x + 1; })
    .filter([](int x) { return x > 0; })
    .map([](int x) { return x * 2; })
    .collect();
  auto p = env.plan();
  REQUIRE(p.tasks.size() == 1);
  CHECK(p.tasks[0].chain.size() == 5);
  CHECK(p.tasks[0].name == "from_collection -> map -> filter -> map -> collect");
  CHECK(p.edges.empty());
}

TEST_CASE("key_by ends a chain with a hash exchange", "[runtime][plan]") {
  stream_environment env{par(2)};
  env.from_collection(std::vector<int>{1})
    .map([](int x) { return x; })
    .key_by([](int x) { return x % 3; })
    .count()
    .collect();
  auto p = env.plan();
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].name == "from_collection -> map");
  CHECK(p.tasks[1].name == "count -> collect");
  REQUIRE(p.edges.size() == 1);
  CHECK(p.edges[0].kind == partitioning::hash);
  CHECK(p.in_channels(1) == 2);
  CHECK(p.out_routes(0, 0).size() == 2);
}

TEST_CASE("a parallelism change breaks the chain and turns forward into rebalance", "[runtime][plan]") {
  stream_environment env{par(3)};
  env.from_collection(std::vector<int>{1}).parallelism(1).map([](int x) { return x; }).collect();
  auto p = env.plan();
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].parallelism == 1);
  CHECK(p.tasks[1].parallelism == 3);
  REQUIRE(p.edges.size() == 1);
  CHECK(p.edges[0].kind == partitioning::rebalance);
}

TEST_CASE("chaining can be switched off", "[runtime][plan]") {
  stream_environment env{par(2, false)};
  env.from_collection(std::vector<int>{1}).map([](int x) { return x; }).collect();
  auto p = env.plan();
  CHECK(p.tasks.size() == 3);
  CHECK(p.edges.size() == 2);
  for (auto& e : p.edges)
    CHECK(e.kind == partitioning::forward);
}

TEST_CASE("a stream consumed twice is not chained to either consumer", "[runtime][plan]") {
  stream_environment env{par(1)};
  auto s = env.from_collection(std::vector<int>{1}).map([](int x) { return x; });
  s.collect();
  s.filter([](int) { return true; }).collect();
  auto p = env.plan();
  REQUIRE(p.tasks.size() == 3);
  CHECK(p.tasks[0].out_edges.size() == 2);
}

TEST_CASE("every output channel arrives where the receiver expects it", "[runtime][plan]") {
  stream_environment env{par(3)};
  auto a = env.from_collection(std::vector<int>{1}).parallelism(2);
  auto b = env.from_collection(std::vector<int>{2}).parallelism(3);
  a.union_with(b.rebalance()).key_by([](int x) { return x; }).count().collect();
  auto p = env.plan();
  for (auto& t : p.tasks) {
    for (int i = 0; i < t.parallelism; ++i) {
      auto outs = p.out_routes(t.id, i);
      for (std::size_t ch = 0; ch < outs.size(); ++ch) {
        auto back = p.in_routes(outs[ch].task, outs[ch].instance).at(outs[ch].channel);
        CHECK(back.task == t.id);
        CHECK(back.instance == i);
        CHECK(back.channel == ch);
      }
      CHECK(p.in_routes(t.id, i).size() == p.in_channels(t.id));
    }
  }
}

TEST_CASE("explain shows tasks, chains and exchanges, also as dot", "[runtime][plan]") {
  stream_environment env{par(2)};
  env.from_collection(std::vector<int>{1}).key_by([](int x) { return x; }).count().name("per key").print();
  auto text = env.explain();
  CHECK_THAT(text, Catch::Contains("task 1 [parallelism 2]: per key -> print"));
  CHECK_THAT(text, Catch::Contains("via hash"));
  CHECK_THAT(text, Catch::Contains("digraph rivulet"));
}

TEST_CASE("invalid parallelism is refused when it is set", "[runtime][plan]") {
  stream_environment env;
  auto s = env.from_collection(std::vector<int>{1});
  CHECK_THROWS_AS(s.parallelism(0), std::invalid_argument);
  CHECK_THROWS_WITH(s.parallelism(5000), Catch::Contains("from_collection"));
}
