#include <catch2/catch.hpp>

#include <optional>
#include <ostream>

#include "runtime/watermark_valve.hpp"

using namespace rivulet;

namespace {

/// What a valve call answered, in a form Catch can print.
struct answer {
  std::optional<timestamp> wm;
  friend bool operator==(const answer& a, const answer& b) {
    return a.wm == b.wm;
  }
  friend std::ostream& operator<<(std::ostream& os, const answer& a) {
    if (!a.wm)
      return os << "no change";
    return os << "output " << *a.wm;
  }
};

answer out(std::optional<timestamp> wm) {
  return {wm};
}
/// The output did not move.
const answer none{};
/// The output rose to `wm`.
answer to(timestamp wm) {
  return {wm};
}

} // namespace

TEST_CASE("the valve's output is the minimum watermark over its channels", "[runtime][watermark][valve]") {
  watermark_valve v{3};
  CHECK(v.current() == min_watermark);
  CHECK(out(v.on_watermark(0, 10)) == none);  // channels 1 and 2 have none yet
  CHECK(out(v.on_watermark(1, 20)) == none);
  CHECK(out(v.on_watermark(2, 5)) == to(5));
  CHECK(out(v.on_watermark(2, 30)) == to(10));
  CHECK(out(v.on_watermark(0, 25)) == to(20));
  CHECK(out(v.on_watermark(1, 40)) == to(25));
  CHECK(v.current() == 25);
}

TEST_CASE("the valve drops watermarks that do not advance their channel", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  CHECK(out(v.on_watermark(0, 5)) == none);   // goes back: dropped
  CHECK(out(v.on_watermark(0, 10)) == none);  // repeats: dropped
  CHECK(v.current() == 10);
  // Channel 0 is still at 10, not 5: the minimum is 10 until it moves.
  CHECK(out(v.on_watermark(1, 20)) == none);
  CHECK(out(v.on_watermark(0, 12)) == to(12));
}

TEST_CASE("the valve's output only rises", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 50)) == none);
  CHECK(out(v.on_watermark(1, 40)) == to(40));
  CHECK(out(v.on_watermark(1, 60)) == to(50));
  CHECK(out(v.on_watermark(0, 55)) == to(55));
  // A channel rising does not report when the minimum stays put.
  CHECK(out(v.on_watermark(0, 100)) == to(60));
  CHECK(out(v.on_watermark(0, 200)) == none);
  CHECK(v.current() == 60);
}

TEST_CASE("an idle channel does not hold the valve's output back", "[runtime][watermark][valve]") {
  watermark_valve v{3};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 30)) == none);
  CHECK(out(v.on_idle(2)) == to(10));  // channel 2 never sent a watermark
  CHECK_FALSE(v.output_idle());
  CHECK(out(v.on_idle(0)) == to(30));
  CHECK_FALSE(v.output_idle());
  CHECK(out(v.on_watermark(1, 35)) == to(35));
}

TEST_CASE("when every channel is idle the valve jumps to the largest idle watermark",
          "[runtime][watermark][valve]") {
  watermark_valve v{3};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 30)) == none);
  CHECK(out(v.on_watermark(2, 20)) == to(10));
  CHECK(out(v.on_idle(1)) == none);  // channels 0 (10) and 2 (20) are active
  CHECK(out(v.on_idle(2)) == none);  // channel 0 at 10 is the only active one
  CHECK(v.current() == 10);
  CHECK_FALSE(v.output_idle());
  CHECK(out(v.on_idle(0)) == to(30));
  CHECK(v.output_idle());
  CHECK(v.current() == 30);
}

TEST_CASE("all channels idle below the output leave it where it is", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 50)) == none);
  CHECK(out(v.on_watermark(1, 50)) == to(50));
  CHECK(out(v.on_idle(0)) == none);
  CHECK(out(v.on_idle(1)) == none);
  CHECK(v.output_idle());
  CHECK(v.current() == 50);
}

TEST_CASE("a channel back from idle counts again once it catches up, and the output never goes back",
          "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  CHECK(out(v.on_idle(0)) == none);
  CHECK(out(v.on_watermark(1, 50)) == to(50));
  v.on_records(0);  // channel 0 is active again, still at 10
  CHECK_FALSE(v.output_idle());
  CHECK(v.current() == 50);
  CHECK(out(v.on_watermark(0, 40)) == none);  // behind the output: never pulls it back to 40
  CHECK(v.current() == 50);
  CHECK(out(v.on_watermark(0, 55)) == none);  // caught up: counts again; channel 1 at 50 is the minimum
  CHECK(out(v.on_watermark(1, 70)) == to(55));
  CHECK(out(v.on_watermark(0, 80)) == to(70));
}

// The valve's code says so on purpose ("active but behind: holds the output
// where it is"); Flink's StatusWatermarkValve instead leaves an unaligned
// channel out of the minimum, so its output would follow channel 1 to 60.
TEST_CASE("an active channel still behind the output holds the output where it is",
          "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  CHECK(out(v.on_idle(0)) == none);
  CHECK(out(v.on_watermark(1, 50)) == to(50));
  v.on_records(0);
  CHECK(out(v.on_watermark(1, 60)) == none);
  CHECK(out(v.on_watermark(0, 55)) == to(55));
}

TEST_CASE("a channel back from idle that is already ahead of the output counts at once",
          "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 30)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  CHECK(out(v.on_idle(0)) == none);
  v.on_records(0);  // at 30, ahead of the output 10: aligned
  CHECK(out(v.on_watermark(1, 40)) == to(30));
}

TEST_CASE("a watermark that does not advance still brings an idle channel back aligned",
          "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 30)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  CHECK(out(v.on_idle(0)) == none);
  CHECK(v.output_idle() == false);
  // Channel 0 repeats its watermark: it is active again, and at 30 it is
  // ahead of the output 10, so it counts like any caught-up channel.
  CHECK(out(v.on_watermark(0, 30)) == none);
  CHECK(out(v.on_watermark(1, 40)) == to(30));
}

TEST_CASE("a watermark on an idle channel makes it active", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_idle(0)) == none);
  CHECK(out(v.on_idle(1)) == none);
  CHECK(v.output_idle());
  CHECK(out(v.on_watermark(0, 5)) == to(5));
  CHECK_FALSE(v.output_idle());
  CHECK(out(v.on_watermark(0, 9)) == to(9));  // channel 1 is still idle
}

TEST_CASE("an ended channel holds nothing back and all ended gives the maximum watermark",
          "[runtime][watermark][valve]") {
  watermark_valve v{3};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 20)) == none);
  CHECK(out(v.on_watermark(2, 5)) == to(5));
  CHECK(out(v.on_end(2)) == to(10));
  CHECK(out(v.on_end(0)) == to(20));
  CHECK(out(v.on_watermark(1, 25)) == to(25));
  CHECK(out(v.on_end(1)) == to(max_watermark));
  CHECK(v.current() == max_watermark);
  CHECK_FALSE(v.output_idle());
}

TEST_CASE("a channel that ends without a watermark stops holding back the others", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_end(1)) == to(10));
  CHECK(out(v.on_end(0)) == to(max_watermark));
}

TEST_CASE("the valve's output is idle exactly while every open channel is idle", "[runtime][watermark][valve]") {
  watermark_valve v{3};
  CHECK_FALSE(v.output_idle());
  v.on_idle(0);
  CHECK_FALSE(v.output_idle());
  v.on_idle(1);
  CHECK_FALSE(v.output_idle());
  v.on_end(2);
  CHECK(v.output_idle());  // both open channels idle
  v.on_records(1);
  CHECK_FALSE(v.output_idle());
  v.on_idle(1);
  CHECK(v.output_idle());
  v.on_end(0);
  v.on_end(1);
  CHECK_FALSE(v.output_idle());  // nothing open: ended, not idle
}

TEST_CASE("records on an active channel change nothing", "[runtime][watermark][valve]") {
  watermark_valve v{2};
  CHECK(out(v.on_watermark(0, 10)) == none);
  CHECK(out(v.on_watermark(1, 10)) == to(10));
  v.on_records(0);
  CHECK(out(v.on_watermark(1, 20)) == none);
  CHECK(out(v.on_watermark(0, 15)) == to(15));
}
