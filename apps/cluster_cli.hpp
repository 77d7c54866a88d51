#pragma once

// Topic-store commands of the rivulet CLI: node, topic, produce, consume.

#include <string>
#include <vector>

namespace rivulet::cli {

/// `rivulet node --config FILE`: runs one node until SIGINT/SIGTERM.
int node_main(const std::vector<std::string>& args);
/// `rivulet topic create|list|describe|delete ...`.
int topic_main(const std::vector<std::string>& args);

/// `rivulet produce TOPIC ...`: lines of stdin as records.
int produce_main(const std::vector<std::string>& args);
/// `rivulet consume TOPIC ...`: records to stdout.
int consume_main(const std::vector<std::string>& args);

/// Usage lines for the commands above.
extern const char* cluster_usage;

} // namespace rivulet::cli
