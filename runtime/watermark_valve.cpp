#include "runtime/watermark_valve.hpp"

#include <algorithm>

namespace rivulet {

std::optional<timestamp> watermark_valve::on_watermark(std::size_t ch, timestamp wm) {
  auto& c = channels_.at(ch);
  // A watermark makes an idle channel active, like records do: it must
  // also be realigned here, or a watermark that does not advance would
  // leave a caught-up channel unaligned, holding the output back.
  on_records(ch);
  if (wm <= c.wm)
    return std::nullopt;  // watermarks that do not advance are dropped
  c.wm = wm;
  if (!c.aligned && c.wm >= output_)
    c.aligned = true;
  return recompute();
}

std::optional<timestamp> watermark_valve::on_idle(std::size_t ch) {
  auto& c = channels_.at(ch);
  c.idle = true;
  c.aligned = false;
  return recompute();
}

void watermark_valve::on_records(std::size_t ch) {
  auto& c = channels_.at(ch);
  if (!c.idle)
    return;
  c.idle = false;
  c.aligned = c.wm >= output_;
}

std::optional<timestamp> watermark_valve::on_end(std::size_t ch) {
  channels_.at(ch).ended = true;
  return recompute();
}

bool watermark_valve::output_idle() const noexcept {
  bool any_open = false;
  for (auto& c : channels_) {
    if (c.ended)
      continue;
    any_open = true;
    if (!c.idle)
      return false;
  }
  return any_open;
}

std::optional<timestamp> watermark_valve::recompute() {
  bool any_open = false, any_active = false;
  timestamp min_active = max_watermark;
  timestamp max_idle = min_watermark;
  for (auto& c : channels_) {
    if (c.ended)
      continue;
    any_open = true;
    if (c.idle) {
      max_idle = std::max(max_idle, c.wm);
    } else if (c.aligned) {
      any_active = true;
      min_active = std::min(min_active, c.wm);
    } else {
      any_active = true;  // active but behind: holds the output where it is
      min_active = std::min(min_active, output_);
    }
  }
  timestamp next;
  if (!any_open)
    next = max_watermark;
  else if (!any_active)
    next = max_idle;
  else
    next = min_active;
  if (next <= output_)
    return std::nullopt;
  output_ = next;
  return output_;
}

} // namespace rivulet
