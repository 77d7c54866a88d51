#pragma once

// Pieces shared by the topic-store commands of the CLI (cluster_cli.cpp,
// client_cli.cpp).

#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/executor.hpp"
#include "actors/remote.hpp"

namespace rivulet::cli::detail {


inline int fail(const std::string& msg) {
  std::cerr << "rivulet: " << msg << "\n(see rivulet --help)\n";
  return 2;
}

inline std::string join(const std::vector<std::int64_t>& v) {
  std::ostringstream out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out << (i ? "," : "") << v[i];
  return out.str();
}

/// An actor system that can reach other processes.
struct network_system {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;

  explicit network_system(int threads) {
    job_config jc;
    jc.threads = threads;
    actors::configure_system(cfg, jc);
    actors::configure_network(cfg);
    sys.emplace(cfg);
  }
};

inline std::string default_bootstrap() {
  if (const char* env = std::getenv("RIVULET_BOOTSTRAP"); env && *env)
    return env;
  return "127.0.0.1:7001";
}


} // namespace rivulet::cli::detail
