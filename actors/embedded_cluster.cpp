#include "actors/embedded_cluster.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"

namespace rivulet::actors {

namespace {

struct node_reaper_state {
  static inline const char* name = "rivulet.node_reaper";
  std::size_t waiting = 0;
};

/// Asks `node` for its replicas, watches them and the node, stops the node
/// with `reason` and quits once all of them have terminated, setting `gone`.
caf::behavior node_reaper(caf::stateful_actor<node_reaper_state>* self, caf::actor node, caf::exit_reason reason,
                          std::chrono::milliseconds timeout, std::shared_ptr<std::atomic<bool>> gone) {
  auto stop = [self, node, reason](const std::vector<caf::actor>& replicas) {
    for (auto& r : replicas)
      self->monitor(r);
    self->monitor(node);
    self->state.waiting = replicas.size() + 1;
    // Urgent, so that the node handles nothing queued before it (which could
    // spawn a replica this list misses).
    node->enqueue(caf::actor_cast<caf::strong_actor_ptr>(self), caf::make_message_id(caf::message_priority::high),
                  caf::make_message(caf::exit_msg{self->address(), caf::make_error(reason)}), self->context());
  };
  self->set_down_handler([self, gone](caf::down_msg&) {
    if (--self->state.waiting > 0)
      return;
    *gone = true;
    self->quit();
  });
  self->request(node, timeout, replicas_atom_v)
    .then([stop](std::vector<caf::actor>& rs) { stop(rs); }, [stop](caf::error&) { stop({}); });
  // A behavior keeps the actor alive between the reply and the last down
  // message; nothing is ever sent to it.
  return {[](tick_atom) {}};
}

} // namespace

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
  halt(id, caf::exit_reason::kill);
}

void embedded_cluster::shutdown(std::int64_t id) {
  halt(id, caf::exit_reason::user_shutdown);
}

void embedded_cluster::halt(std::int64_t id, caf::exit_reason reason) {
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
  self->send_exit(h, reason);
  for (std::size_t i = 0; i < replicas.size() + 1; ++i)
    self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds(10)) >> [] {});
}

bool embedded_cluster::restart(std::int64_t id) {
  if (!down(id))
    return false;
  start(id);
  return true;
}

void embedded_cluster::stop() {
  if (running().empty())
    return;  // also keeps a scoped actor out of a testing scheduler after stop_nowait()
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

void embedded_cluster::kill_nowait(std::int64_t id) {
  stop_nowait(id, caf::exit_reason::kill);
}

void embedded_cluster::stop_nowait() {
  for (auto& [id, h] : nodes_)
    if (h)
      stop_nowait(id, caf::exit_reason::user_shutdown);
}

void embedded_cluster::stop_nowait(std::int64_t id, caf::exit_reason reason) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !it->second)
    return;
  auto h = std::move(it->second);
  it->second = nullptr;
  auto done = [](const stopping_node& s) { return s.gone->load(); };
  stopping_.erase(std::remove_if(stopping_.begin(), stopping_.end(), done), stopping_.end());
  auto gone = std::make_shared<std::atomic<bool>>(false);
  auto helper = sys_.spawn(node_reaper, std::move(h), reason, cfg_.request_timeout, gone);
  stopping_.push_back({id, std::move(helper), std::move(gone)});
}

bool embedded_cluster::down(std::int64_t id) const {
  if (node(id))
    return false;
  for (auto& s : stopping_)
    if (s.id == id && !s.gone->load())
      return false;
  return true;
}

bool embedded_cluster::all_down() const {
  for (auto& a : addresses_)
    if (!down(a.id))
      return false;
  return true;
}

} // namespace rivulet::actors
