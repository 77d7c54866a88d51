#pragma once

// Reaching topic-store nodes in other processes over CAF's middleman.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace rivulet::actors {

/// Loads the middleman into `cfg` and turns on its heartbeats and
/// connection timeout, without which a frozen peer is never noticed
/// (docs/operations.md). Call before constructing the actor_system.
void configure_network(caf::actor_system_config& cfg, std::chrono::milliseconds heartbeat = std::chrono::milliseconds(200),
                       std::chrono::milliseconds connection_timeout = std::chrono::milliseconds(2000));

/// Publishes `node` on host:port. Returns "" or the error text.
std::string publish_node(caf::actor_system& sys, const caf::actor& node, const std::string& host,
                         std::uint16_t port);

/// Connects to the node actor published at host:port; an invalid handle and
/// `error` set when it cannot be reached.
caf::actor connect_node(caf::actor_system& sys, const std::string& host, std::uint16_t port, std::string& error);

/// Parses "host:port"; false if malformed.
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);

} // namespace rivulet::actors
