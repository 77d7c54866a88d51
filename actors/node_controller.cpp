#include "actors/node_internal.hpp"

#include "io/kafka/records.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors::node_detail {

namespace {

state::fsync_policy to_state(cluster::fsync_policy p) {
  switch (p) {
    case cluster::fsync_policy::every_batch: return state::fsync_policy::every_batch;
    case cluster::fsync_policy::interval: return state::fsync_policy::interval;
    case cluster::fsync_policy::never: return state::fsync_policy::never;
  }
  return state::fsync_policy::interval;
}

} // namespace

void spawn_replica(node_t* self, std::int64_t group) {
  auto& r = self->state.replicas.at(group);
  r.handle = spawn_partition_actor(self->system(), r.cfg);
  self->monitor(r.handle);
}

/// Starts hosting `group` with the given voters in `dir`.
void add_replica(node_t* self, std::int64_t group, std::string name, std::vector<std::int64_t> voters,
                 fs::path dir) {
  auto& st = self->state;
  local_replica r;
  r.name = std::move(name);
  r.cfg.dir = std::move(dir);
  r.cfg.router = caf::actor_cast<caf::actor>(self);
  r.cfg.node = self_id(self);
  r.cfg.tick_interval = st.cfg.node.tick;
  r.cfg.replica.id = raft::node_id{self_id(self)};
  for (auto v : voters)
    r.cfg.replica.voters.push_back(raft::node_id{v});
  r.cfg.replica.group = raft::group_id{group};
  r.cfg.replica.log.fsync = to_state(st.cfg.node.fsync);
  r.cfg.replica.seed = static_cast<std::uint64_t>(self_id(self)) * 1000003u + static_cast<std::uint64_t>(group);
  st.replicas.emplace(group, std::move(r));
  spawn_replica(self, group);
  RIVULET_LOG(log_level::info, "node", st.where << ": hosting " << st.replicas.at(group).name << " (raft group "
                                                << group << ")");
}

static fs::path partition_dir(node_t* self, const std::string& topic, std::int32_t p, std::int64_t group) {
  return fs::path(self->state.cfg.node.data_dir) / "partitions"
         / (topic + "-" + std::to_string(p) + "-g" + std::to_string(group));
}

/// Makes the local replicas match the topic table: starts replicas of new
/// partitions placed here, stops and deletes those of deleted topics.
void reconcile(node_t* self) {
  auto& st = self->state;
  std::map<std::int64_t, bool> wanted;
  for (auto& [name, topic] : st.table->topics())
    for (auto& p : topic.partitions) {
      if (std::find(p.replicas.begin(), p.replicas.end(), self_id(self)) == p.replicas.end())
        continue;
      wanted[p.group] = true;
      if (!st.replicas.count(p.group))
        add_replica(self, p.group, name + "-" + std::to_string(p.partition), p.replicas,
                    partition_dir(self, name, p.partition, p.group));
    }
  for (auto& [group, r] : st.replicas) {
    if (group == cluster::controller_group || wanted.count(group) || r.deleting)
      continue;
    r.deleting = true;
    RIVULET_LOG(log_level::info, "node", st.where << ": topic deleted, removing " << r.name << " at " << r.cfg.dir);
    if (r.handle)
      self->send_exit(r.handle, caf::exit_reason::user_shutdown);
    else
      fs::remove_all(r.cfg.dir);
  }
}

static void answer_admin_up_to(node_t* self, std::int64_t offset, const std::string& outcome) {
  auto& pending = self->state.pending_admin;
  auto it = pending.find(offset);
  if (it == pending.end())
    return;
  admin_reply r;
  r.ok = outcome.empty();
  r.error = outcome;
  auto done = std::move(it->second);
  pending.erase(it);
  done(r);
}

/// Reads committed controller batches from the local controller replica and
/// applies their commands to the topic table, then reconciles.
void read_controller(node_t* self) {
  auto& st = self->state;
  if (st.controller_read_in_flight)
    return;
  auto it = st.replicas.find(cluster::controller_group);
  if (it == st.replicas.end() || !it->second.handle)
    return;
  st.controller_read_in_flight = true;
  fetch_request req;
  req.offset = st.controller_next;
  self->request(it->second.handle, st.cfg.node.request_timeout, req)
    .then(
      [self](fetch_reply& r) {
        auto& st = self->state;
        st.controller_read_in_flight = false;
        if (!r.ok) {
          RIVULET_LOG(log_level::warn, "node", st.where << ": reading the controller log at offset "
                                                        << st.controller_next << ": " << r.error);
          return;
        }
        if (r.batches.empty())
          return;
        std::vector<io::kafka::read_record> records;
        auto decoded = io::kafka::decode_batches(r.batches, st.controller_next, records);
        for (auto& rec : records) {
          std::string why;
          auto cmd = rec.value ? cluster::decode(*rec.value, &why) : std::nullopt;
          std::string outcome;
          if (!cmd) {
            outcome = "controller offset " + std::to_string(rec.offset) + ": " + why;
            RIVULET_LOG(log_level::error, "node", st.where << ": skipping " << outcome);
          } else {
            outcome = st.table->apply(*cmd, rec.offset);
          }
          answer_admin_up_to(self, rec.offset, outcome);
        }
        if (!decoded.ok()) {
          RIVULET_LOG(log_level::error, "node", st.where << ": controller log at offset " << st.controller_next
                                                         << ": " << decoded.to_string());
        }
        st.controller_next = io::kafka::next_offset(r.batches, st.controller_next);
        reconcile(self);
        if (r.high_watermark > st.controller_next)
          read_controller(self);
      },
      [self](caf::error& e) {
        self->state.controller_read_in_flight = false;
        RIVULET_LOG(log_level::warn, "node", self->state.where << ": controller read failed: "
                                                               << caf::to_string(e));
      });
}

admin_reply admin_error(std::string text) {
  admin_reply r;
  r.error = std::move(text);
  return r;
}

/// Proposes `cmd` to the controller; calls `done` once applied here, or
/// forwards the request to the controller leader's node.
template <class Request>
void propose(node_t* self, Request req, const cluster::command& cmd, std::function<void(admin_reply)> done) {
  auto& st = self->state;
  auto ctrl = st.replicas.find(cluster::controller_group);
  if (ctrl == st.replicas.end() || !ctrl->second.handle) {
    done(admin_error(st.where + ": controller replica is not running; retry"));
    return;
  }
  io::kafka::plain_record rec;
  rec.value = cluster::encode(cmd);
  auto batch = io::kafka::encode_batch({rec});
  if (!batch) {
    done(admin_error(st.where + ": " + batch.error().to_string()));
    return;
  }
  produce_request pr;
  pr.batch = std::move(*batch);
  pr.acks = -1;
  self->request(ctrl->second.handle, st.cfg.node.request_timeout, std::move(pr))
    .then(
      [self, req, done](produce_reply& r) mutable {
        auto& st = self->state;
        if (r.ok) {
          if (r.base_offset < st.controller_next) {
            // Already applied (a read raced the reply): the outcome is lost,
            // but the command is in; report success.
            done(admin_reply{true, {}});
            return;
          }
          st.pending_admin.emplace(r.base_offset, done);
          read_controller(self);
          return;
        }
        auto peer = st.peers.find(r.leader);
        if (r.leader != 0 && r.leader != self_id(self) && peer != st.peers.end() && req.hops < 3) {
          ++req.hops;
          self->request(peer->second, st.cfg.node.request_timeout, req)
            .then([done](admin_reply& a) mutable { done(a); },
                  [self, done, leader = r.leader](caf::error& e) mutable {
                    done(admin_error(self->state.where + ": forwarding to controller leader node "
                                           + std::to_string(leader) + " failed: " + caf::to_string(e)));
                  });
          return;
        }
        done(admin_error(st.where + ": no controller leader reachable (" + r.error + "); retry"));
      },
      [self, done](caf::error& e) mutable {
        done(admin_error(self->state.where + ": controller did not answer: " + caf::to_string(e)));
      });
}

template void propose<create_topic_request>(node_t*, create_topic_request, const cluster::command&,
                                            std::function<void(admin_reply)>);
template void propose<delete_topic_request>(node_t*, delete_topic_request, const cluster::command&,
                                            std::function<void(admin_reply)>);

} // namespace rivulet::actors::node_detail
