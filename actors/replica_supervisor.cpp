#include "actors/replica_supervisor.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace {

struct replica_slot {
  partition_actor_config cfg;
  caf::actor handle;
  int restarts = 0;
};

struct supervisor_state {
  static inline const char* name = "rivulet.replica_supervisor";
  replica_supervisor_config cfg;
  std::vector<replica_slot> slots;
  bool stopping = false;
};

using replica_supervisor_t = caf::stateful_actor<supervisor_state>;

peers_msg current_peers(const supervisor_state& st) {
  peers_msg m;
  for (auto& s : st.slots) {
    if (!s.handle)
      continue;
    m.ids.push_back(s.cfg.replica.id.value);
    m.replicas.push_back(s.handle);
  }
  return m;
}

void spawn_slot(replica_supervisor_t* self, std::size_t i) {
  auto& slot = self->state.slots[i];
  // Monitored, not linked: a replica killed with exit_reason::kill would
  // kill a linked supervisor too (kill cannot be trapped).
  slot.handle = spawn_partition_actor(self->system(), slot.cfg);
  self->monitor(slot.handle);
}

void broadcast_peers(replica_supervisor_t* self) {
  auto peers = current_peers(self->state);
  for (auto& s : self->state.slots)
    if (s.handle)
      self->send(s.handle, peers);
}

caf::behavior replica_supervisor(replica_supervisor_t* self, replica_supervisor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (auto& rc : st.cfg.replicas)
    st.slots.push_back({rc, caf::actor{}, 0});
  for (std::size_t i = 0; i < st.slots.size(); ++i)
    spawn_slot(self, i);
  broadcast_peers(self);
  // Told to stop: stop the replicas too, then quit.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.stopping = true;
    for (auto& s : self->state.slots)
      if (s.handle)
        self->send_exit(s.handle, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.slots.size(); ++i) {
      auto& slot = st.slots[i];
      if (!slot.handle || slot.handle.address() != dm.source)
        continue;
      slot.handle = caf::actor{};
      if (st.stopping || dm.reason == caf::exit_reason::user_shutdown)
        return;
      auto where = "partition group " + std::to_string(slot.cfg.replica.group.value) + " replica "
                   + std::to_string(slot.cfg.replica.id.value);
      if (slot.restarts >= st.cfg.max_restarts) {
        RIVULET_LOG(log_level::error, "replica-supervisor",
                    where << " stopped (" << caf::to_string(dm.reason) << ") and used up its "
                          << st.cfg.max_restarts << " restarts; giving up");
        broadcast_peers(self);
        return;
      }
      ++slot.restarts;
      RIVULET_LOG(log_level::warn, "replica-supervisor",
                  where << " stopped (" << caf::to_string(dm.reason) << "); restart " << slot.restarts << " from "
                        << slot.cfg.dir);
      self->delayed_send(self, st.cfg.restart_delay, restart_atom_v, static_cast<std::uint64_t>(i));
      return;
    }
  });
  return {
    [self](restart_atom, std::uint64_t i) {
      if (i >= self->state.slots.size() || self->state.slots[i].handle)
        return;
      spawn_slot(self, static_cast<std::size_t>(i));
      broadcast_peers(self);
    },
    [self](replicas_atom) -> peers_msg { return current_peers(self->state); },
  };
}

} // namespace

caf::actor spawn_replica_supervisor(caf::actor_system& sys, replica_supervisor_config cfg) {
  return sys.spawn(replica_supervisor, std::move(cfg));
}

} // namespace rivulet::actors
