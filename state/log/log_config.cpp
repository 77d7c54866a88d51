#include "state/log/log_config.hpp"

#include <string>

#include "runtime/record_batch_layout.hpp"

namespace rivulet::state {

status validate(const log_config& config) {
  constexpr std::uint64_t min_batch = batch_format::layout::header_size;
  auto bad = [](const std::string& what) {
    return status{errc::invalid_argument, "log config: " + what};
  };
  // Segment file positions must fit the offset index's u32 field even when a
  // max-size batch goes into an almost full segment.
  if (config.segment_bytes < min_batch || config.segment_bytes > (std::uint64_t{1} << 31))
    return bad("segment_bytes " + std::to_string(config.segment_bytes) + " is not in [61, 2^31]");
  if (config.index_interval_bytes == 0)
    return bad("index_interval_bytes must be at least 1");
  if (config.max_batch_bytes < min_batch || config.max_batch_bytes > (std::uint32_t{1} << 30))
    return bad("max_batch_bytes " + std::to_string(config.max_batch_bytes)
               + " is not in [61, 2^30]");
  return {};
}

} // namespace rivulet::state
