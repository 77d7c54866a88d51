#pragma once

// Combines the watermarks of a task's input channels into the one it
// passes to its chain (Flink's StatusWatermarkValve):
// - the output is the minimum over active, aligned channels and only rises;
// - an idle channel does not hold the output back;
// - a channel back from idle counts again once it catches up with the
//   output, so the output never moves back; until then it holds the
//   output where it is (Flink's valve leaves such a channel out instead);
// - when every open channel is idle the output jumps to their maximum;
// - an ended channel holds nothing back; when all ended the output is max.

#include <cstddef>
#include <optional>
#include <vector>

#include "runtime/time.hpp"

namespace rivulet {

class watermark_valve {
public:
  explicit watermark_valve(std::size_t channels) : channels_(channels) {
  }

  /// Channel `ch` reached `wm`. Returns the new output watermark if it rose.
  std::optional<timestamp> on_watermark(std::size_t ch, timestamp wm);

  /// Channel `ch` went idle. Returns the new output watermark if it rose.
  std::optional<timestamp> on_idle(std::size_t ch);

  /// Records arrived on `ch`: an idle channel is active again.
  void on_records(std::size_t ch);

  /// Channel `ch` ended. Returns the new output watermark if it rose.
  std::optional<timestamp> on_end(std::size_t ch);

  /// True while every channel that has not ended is idle (and one has not).
  bool output_idle() const noexcept;

  timestamp current() const noexcept {
    return output_;
  }

private:
  struct channel {
    timestamp wm = min_watermark;
    bool idle = false;
    bool ended = false;
    bool aligned = true;
  };

  std::optional<timestamp> recompute();

  std::vector<channel> channels_;
  timestamp output_ = min_watermark;
};

} // namespace rivulet
