#pragma once

#include <string>
#include <vector>

namespace rivulet::cli {

/// `rivulet demo [--input FILE] [--repeat N] [--no-kill]`: word count from topic to
/// topic on an embedded 3-node cluster, with a partition leader killed
/// while the job runs; checks the counts. Exit code 0 when they match.
int demo_main(const std::vector<std::string>& args);

} // namespace rivulet::cli
