// Failures are reported with the operator's name and never hang the job.

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/environment.hpp"

using namespace rivulet;

namespace {

job_config cfg_with(int parallelism) {
  job_config cfg;
  cfg.parallelism = parallelism;
  cfg.threads = 2;
  cfg.batch_size = 16;
  return cfg;
}

std::vector<int> range(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i)
    v.push_back(i);
  return v;
}

} // namespace

TEST_CASE("a throwing map fails the job with the operator's name and message", "[actors][failure]") {
  environment env{cfg_with(2)};
  env.from_collection(range(1000))
    .map([](int x) {
      if (x == 500)
        throw std::runtime_error("bad record 500");
      return x;
    })
    .name("explode")
    .rebalance()
    .collect();
  auto r = env.execute("failing job");
  CHECK_FALSE(r.ok());
  CHECK(r.failed_operator == "explode");
  CHECK(r.failed_instance >= 0);
  CHECK_THAT(r.error, Catch::Contains("operator 'explode'") && Catch::Contains("bad record 500"));
  CHECK(r.attempts == 1);
}

TEST_CASE("a failure in a keyed operator downstream of an exchange is reported", "[actors][failure]") {
  environment env{cfg_with(3)};
  env.from_collection(range(300))
    .key_by([](int x) { return x % 5; })
    .reduce([](int a, int b) {
      if (b == 299)
        throw std::logic_error("reduce refused");
      return a + b;
    })
    .name("picky reduce")
    .collect();
  auto r = env.execute();
  CHECK_FALSE(r.ok());
  CHECK(r.failed_operator == "picky reduce");
  CHECK_THAT(r.error, Catch::Contains("reduce refused"));
}

TEST_CASE("fixed-delay restart re-runs a replayable job without duplicating results", "[actors][failure]") {
  auto cfg = cfg_with(2);
  cfg.restart = restart_strategy::fixed_delay(2, std::chrono::milliseconds{1});
  environment env{cfg};
  auto failures_left = std::make_shared<std::atomic<int>>(1);
  auto out = env.from_collection(range(400))
               .map([failures_left](int x) {
                 if (x == 200 && failures_left->fetch_sub(1) > 0)
                   throw std::runtime_error("transient");
                 return x;
               })
               .collect();
  auto r = env.execute();
  REQUIRE(r.ok());
  CHECK(r.attempts == 2);
  auto v = out.get();
  std::sort(v.begin(), v.end());
  CHECK(v == range(400));
}

TEST_CASE("restarts stop once the attempts are used up", "[actors][failure]") {
  auto cfg = cfg_with(1);
  cfg.restart = restart_strategy::fixed_delay(2, std::chrono::milliseconds{0});
  environment env{cfg};
  env.from_collection(range(10)).map([](int) -> int { throw std::runtime_error("always"); }).collect();
  auto r = env.execute();
  CHECK_FALSE(r.ok());
  CHECK(r.attempts == 3);
  CHECK_THAT(r.error, Catch::Contains("always"));
}

TEST_CASE("a missing input file fails the job naming the file", "[actors][failure]") {
  environment env{cfg_with(1)};
  env.read_text_file("/nonexistent/rivulet-input.txt").print();
  auto r = env.execute();
  CHECK_FALSE(r.ok());
  CHECK(r.failed_operator == "read_text_file");
  CHECK_THAT(r.error, Catch::Contains("/nonexistent/rivulet-input.txt"));
}

TEST_CASE("an invalid config fails the job with a clear error", "[actors][failure]") {
  auto cfg = cfg_with(1);
  cfg.credits = 0;
  environment env{cfg};
  env.from_collection(range(3)).collect();
  auto r = env.execute();
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.error, Catch::Contains("credits"));
}

TEST_CASE("a job without operators fails instead of hanging", "[actors][failure]") {
  environment env{cfg_with(1)};
  auto r = env.execute();
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.error, Catch::Contains("no operators"));
}
