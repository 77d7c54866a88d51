#include "actors/embedded_cluster.hpp"

#include <caf/all.hpp>

#include "actors/type_ids.hpp"

namespace rivulet::actors {

embedded_cluster::embedded_cluster(caf::actor_system& sys, embedded_cluster_config cfg)
  : sys_(sys), cfg_(std::move(cfg)) {
  for (int i = 1; i <= cfg_.nodes; ++i)
    addresses_.push_back({i, "embedded", static_cast<std::uint16_t>(i)});
  for (auto& a : addresses_)
    start(a.id);
}

embedded_cluster::~embedded_cluster() {
  stop();
}

std::vector<std::int64_t> embedded_cluster::ids() const {
  std::vector<std::int64_t> out;
  for (auto& a : addresses_)
    out.push_back(a.id);
  return out;
}

caf::actor embedded_cluster::node(std::int64_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? caf::actor{} : it->second;
}

std::vector<caf::actor> embedded_cluster::running() const {
  std::vector<caf::actor> out;
  for (auto& [id, h] : nodes_)
    if (h)
      out.push_back(h);
  return out;
}

void embedded_cluster::start(std::int64_t id) {
  node_actor_config nc;
  nc.node.id = id;
  nc.node.data_dir = cfg_.base_dir + "/n" + std::to_string(id);
  nc.node.nodes = addresses_;
  nc.node.tick = cfg_.tick;
  nc.node.fsync = cfg_.fsync;
  nc.node.request_timeout = cfg_.request_timeout;
  nc.node.offsets_partitions = cfg_.offsets_partitions;
  nc.groups = cfg_.groups;
  nc.faults = cfg_.faults;
  auto h = spawn_node(sys_, nc);
  nodes_[id] = h;
  for (auto& [other, oh] : nodes_) {
    if (other == id || !oh)
      continue;
    caf::anon_send(h, hello_atom_v, other, oh);
    caf::anon_send(oh, hello_atom_v, id, h);
  }
}

void embedded_cluster::kill(std::int64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !it->second)
    return;
  caf::scoped_actor self{sys_};
  auto h = it->second;
  it->second = nullptr;
  // The node's replicas stop when they see it go down; wait for them too,
  // so that a restart never opens files a dying replica still holds.
  std::vector<caf::actor> replicas;
  self->request(h, cfg_.request_timeout, replicas_atom_v)
    .receive([&](std::vector<caf::actor>& rs) { replicas = std::move(rs); }, [](caf::error&) {});
  for (auto& r : replicas)
    self->monitor(r);
  self->monitor(h);
  self->send_exit(h, caf::exit_reason::kill);
  for (std::size_t i = 0; i < replicas.size() + 1; ++i)
    self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds(10)) >> [] {});
}

void embedded_cluster::restart(std::int64_t id) {
  if (node(id))
    return;
  start(id);
}

void embedded_cluster::stop() {
  caf::scoped_actor self{sys_};
  for (auto& [id, h] : nodes_) {
    if (!h)
      continue;
    std::vector<caf::actor> replicas;
    self->request(h, cfg_.request_timeout, replicas_atom_v)
      .receive([&](std::vector<caf::actor>& rs) { replicas = std::move(rs); }, [](caf::error&) {});
    for (auto& r : replicas)
      self->monitor(r);
    self->monitor(h);
    self->send_exit(h, caf::exit_reason::user_shutdown);
    for (std::size_t i = 0; i < replicas.size() + 1; ++i)
      self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds(10)) >> [] {});
    h = nullptr;
  }
}

} // namespace rivulet::actors
