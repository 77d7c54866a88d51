#include "runtime/config.hpp"

#include <algorithm>
#include <thread>

namespace rivulet {

namespace {
constexpr int max_parallelism = 1024;
} // namespace

std::string job_config::validate() const {
  if (parallelism < 0 || parallelism > max_parallelism)
    return "parallelism must be in [0, 1024], got " + std::to_string(parallelism);
  if (batch_size == 0)
    return "batch_size must be at least 1";
  if (credits == 0)
    return "credits must be at least 1 (a zero window would stall every channel)";
  if (threads < 0 || threads > 256)
    return "threads must be in [0, 256], got " + std::to_string(threads);
  if (max_messages_per_turn == 0)
    return "max_messages_per_turn must be at least 1";
  if (linger.count() < 0)
    return "linger must not be negative";
  if (restart.type == restart_strategy::kind::fixed_delay
      && (restart.attempts < 0 || restart.delay.count() < 0))
    return "restart strategy needs attempts >= 0 and delay >= 0";
  return {};
}

int job_config::effective_threads() const {
  if (threads > 0)
    return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int job_config::effective_parallelism() const {
  return parallelism > 0 ? parallelism : effective_threads();
}

} // namespace rivulet
