#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "runtime/log.hpp"

using namespace rivulet;

TEST_CASE("log lines below the level are not built; lines at or above it reach the sink", "[runtime][log]") {
  std::vector<std::string> lines;
  set_log_sink([&](log_level, const std::string& line) { lines.push_back(line); });
  auto old = current_log_level();
  set_log_level(log_level::warn);
  int built = 0;
  auto count = [&] { return ++built; };
  RIVULET_LOG(log_level::info, "test", "not written " << count());
  RIVULET_LOG(log_level::warn, "test", "partition " << 3 << " offset " << 42);
  set_log_level(old);
  set_log_sink(nullptr);
  CHECK(built == 0);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("WARN  test partition 3 offset 42"));
  CHECK(lines[0].size() > 24);
  CHECK(lines[0][10] == 'T');
}
