#include <catch2/catch.hpp>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"

using namespace rivulet;
using namespace std::chrono_literals;
using rivulet::testing::operator_harness;

namespace {
using kv = std::pair<std::string, int>;
using result = windowed<std::string, std::int64_t>;
} // namespace

TEST_CASE("tumbling window fires once the watermark passes its end", "[runtime][window]") {
  stream_environment env;
  auto s = env.from_collection(std::vector<kv>{})
             .key_by([](const kv& r) { return r.first; })
             .window(windows::tumbling_event_time{10ms})
             .count();
  operator_harness<kv, result> h{env, s};
  h.push({"k", 0}, 1);
  h.push({"k", 0}, 9);
  h.push({"k", 0}, 12);
  CHECK(h.output().empty());
  h.watermark(9);
  REQUIRE(h.output() == std::vector<result>{{"k", {0, 10}, 2}});
  CHECK(h.output_timestamps() == std::vector<timestamp>{9});
  h.watermark(25);
  CHECK(h.output().size() == 2);
  CHECK(h.output()[1] == result{"k", {10, 20}, 1});
}
