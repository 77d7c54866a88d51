#include "actors/remote.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

namespace rivulet::actors {

void configure_network(caf::actor_system_config& cfg, std::chrono::milliseconds heartbeat,
                       std::chrono::milliseconds connection_timeout) {
  cfg.load<caf::io::middleman>();
  // A node process shares few cores with other processes (nodes, clients):
  // idle workers block on a condition variable instead of polling (CAF's
  // work-stealing default), which measured ~4.7k nanosleep wake-ups per
  // second per node on an otherwise idle node and starved the busy ones.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{connection_timeout});
}

std::string publish_node(caf::actor_system& sys, const caf::actor& node, const std::string& host,
                         std::uint16_t port) {
  auto res = sys.middleman().publish(node, port, host.c_str(), true);
  if (!res)
    return "cannot listen on " + host + ":" + std::to_string(port) + ": " + sys.render(res.error());
  return {};
}

caf::actor connect_node(caf::actor_system& sys, const std::string& host, std::uint16_t port, std::string& error) {
  auto res = sys.middleman().remote_actor(host, port);
  if (!res) {
    error = "cannot reach a rivulet node at " + host + ":" + std::to_string(port) + ": " + sys.render(res.error());
    return {};
  }
  return *res;
}

bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  try {
    std::size_t used = 0;
    auto p = std::stol(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || p <= 0 || p > 65535)
      return false;
    port = static_cast<std::uint16_t>(p);
  } catch (...) {
    return false;
  }
  host = text.substr(0, colon);
  return true;
}

} // namespace rivulet::actors
