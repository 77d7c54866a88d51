#include "actors/node_actor.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/group_coordinator_actor.hpp"
#include "actors/partition_actor.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"
#include "runtime/cluster/topic_table.hpp"
#include "runtime/log.hpp"
#include "runtime/partitioner.hpp"
#include "runtime/raft/heartbeat_batcher.hpp"

namespace rivulet::actors {

namespace {

namespace fs = std::filesystem;

/// A replica this node hosts (the controller's is group 0).
struct local_replica {
  std::string name;  // "topic-p" or "controller", for logs
  partition_actor_config cfg;
  caf::actor handle;
  int restarts = 0;
  bool deleting = false;
};

struct node_state {
  static inline const char* name = "rivulet.node";
  node_actor_config cfg;
  std::unique_ptr<cluster::topic_table> table;
  std::map<std::int64_t, local_replica> replicas;
  std::map<std::int64_t, caf::actor> peers;
  raft::heartbeat_batcher heartbeats;
  /// Best known view of every group: the leader's own report, else the
  /// newest term seen.
  std::map<std::int64_t, replica_view> views;
  /// Admin requests waiting for their controller command to be applied,
  /// by the command's controller offset.
  std::map<std::int64_t, std::function<void(admin_reply)>> pending_admin;
  /// Controller offset to read next.
  std::int64_t controller_next = 0;
  bool controller_read_in_flight = false;
  bool reports_in_flight = false;
  std::uint64_t ticks = 0;
  bool stopping = false;
  std::string where;  // "node N"
  /// Consumer group coordinators hosted here, with the raft group of the
  /// offsets partition each one writes to.
  std::map<std::string, std::pair<caf::actor, std::int64_t>> coordinators;
  std::uint64_t coordinator_incarnations = 0;
};

/// Kafka's name for the internal topic that stores committed offsets.
constexpr const char* offsets_topic = "__consumer_offsets";

using node_t = caf::stateful_actor<node_state>;

std::int64_t self_id(node_t* self) {
  return self->state.cfg.node.id;
}

state::fsync_policy to_state(cluster::fsync_policy p) {
  switch (p) {
    case cluster::fsync_policy::every_batch: return state::fsync_policy::every_batch;
    case cluster::fsync_policy::interval: return state::fsync_policy::interval;
    case cluster::fsync_policy::never: return state::fsync_policy::never;
  }
  return state::fsync_policy::interval;
}

/// Sends node-to-node traffic to peer `to`, through the fault injector
/// when the node runs in a simulation.
template <class Message>
void send_peer(node_t* self, std::int64_t to, const caf::actor& peer, Message&& msg) {
  auto& faults = self->state.cfg.faults;
  if (!faults) {
    self->send(peer, std::forward<Message>(msg));
    return;
  }
  auto d = faults->decide(self_id(self), to);
  if (d.drop)
    return;
  for (int i = 0; i < d.copies; ++i) {
    if (d.delay_ms > 0)
      self->delayed_send(peer, std::chrono::milliseconds(d.delay_ms), msg);
    else
      self->send(peer, msg);
  }
}

void update_view(node_t* self, const replica_view& v) {
  auto& views = self->state.views;
  auto it = views.find(v.group);
  if (it == views.end()) {
    views.emplace(v.group, v);
    return;
  }
  auto& cur = it->second;
  bool from_leader = v.leader != 0 && v.leader == v.node;
  bool cur_from_leader = cur.leader != 0 && cur.leader == cur.node;
  if (v.term > cur.term || (v.term == cur.term && (from_leader || !cur_from_leader || v.node == cur.node)))
    cur = v;
}

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

fs::path partition_dir(node_t* self, const std::string& topic, std::int32_t p, std::int64_t group) {
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

void answer_admin_up_to(node_t* self, std::int64_t offset, const std::string& outcome) {
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

/// Asks every local replica for its view, then sends one report to each peer.
void gather_reports(node_t* self) {
  auto& st = self->state;
  if (st.reports_in_flight || st.replicas.empty())
    return;
  st.reports_in_flight = true;
  auto report = std::make_shared<replica_report>();
  report->from = self_id(self);
  auto left = std::make_shared<std::size_t>(0);
  for (auto& [group, r] : st.replicas)
    if (r.handle && !r.deleting)
      ++*left;
  if (*left == 0) {
    st.reports_in_flight = false;
    return;
  }
  auto done = [self, report, left] {
    if (--*left > 0)
      return;
    auto& st = self->state;
    st.reports_in_flight = false;
    for (auto& v : report->replicas)
      update_view(self, v);
    // A coordinator whose offsets partition is no longer led from here
    // stops; its members find the new one (NOT_COORDINATOR, then lookup).
    for (auto it = st.coordinators.begin(); it != st.coordinators.end();) {
      auto v = st.views.find(it->second.second);
      bool leads = v != st.views.end() && v->second.node == self_id(self) && v->second.leader == self_id(self);
      if (leads) {
        ++it;
        continue;
      }
      self->send_exit(it->second.first, caf::exit_reason::user_shutdown);
      it = st.coordinators.erase(it);
    }
    for (auto& [id, peer] : st.peers)
      send_peer(self, id, peer, *report);
  };
  for (auto& [group, r] : st.replicas) {
    if (!r.handle || r.deleting)
      continue;
    self->request(r.handle, st.cfg.node.request_timeout, report_atom_v)
      .then(
        [report, done](replica_view& v) {
          report->replicas.push_back(std::move(v));
          done();
        },
        [done](caf::error&) { done(); });
  }
}

void connect_peers(node_t* self) {
  auto& st = self->state;
  if (!st.cfg.use_middleman)
    return;
  auto mm = self->system().middleman().actor_handle();
  for (auto& addr : st.cfg.node.nodes) {
    if (addr.id == self_id(self) || st.peers.count(addr.id))
      continue;
    auto id = addr.id;
    self->request(mm, st.cfg.node.request_timeout, caf::connect_atom_v, addr.host, addr.port)
      .then(
        [self, id](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
          if (!ptr)
            return;
          auto peer = caf::actor_cast<caf::actor>(ptr);
          self->send(peer, hello_atom_v, self_id(self), caf::actor_cast<caf::actor>(self));
          self->send(self, hello_atom_v, id, peer);
        },
        [](caf::error&) { /* retried on a later tick */ });
  }
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

metadata_reply describe(node_t* self, const metadata_request& req) {
  auto& st = self->state;
  metadata_reply out;
  out.answered_by = self_id(self);
  if (auto v = st.views.find(cluster::controller_group); v != st.views.end())
    out.controller_leader = v->second.leader;
  for (auto& addr : st.cfg.node.nodes) {
    node_info n{addr.id, addr.host, addr.port, {}};
    if (addr.id == self_id(self))
      n.handle = caf::actor_cast<caf::actor>(self);
    else if (auto p = st.peers.find(addr.id); p != st.peers.end())
      n.handle = p->second;
    out.nodes.push_back(std::move(n));
  }
  auto add = [&](const cluster::topic_entry& t) {
    topic_metadata tm;
    tm.name = t.name;
    tm.replication_factor = t.replication_factor;
    tm.configs = t.configs;
    for (auto& p : t.partitions) {
      partition_metadata pm;
      pm.partition = p.partition;
      pm.group = p.group;
      pm.replicas = p.replicas;
      if (auto v = st.views.find(p.group); v != st.views.end()) {
        pm.leader = v->second.leader;
        pm.leader_term = v->second.term;
        if (v->second.leader == v->second.node) {
          pm.in_sync = v->second.in_sync;
          pm.high_watermark = v->second.high_watermark;
          pm.log_start = v->second.log_start;
          pm.log_end = v->second.log_end;
        }
      }
      tm.partitions.push_back(std::move(pm));
    }
    out.topics.push_back(std::move(tm));
  };
  if (req.topics.empty()) {
    for (auto& [name, t] : st.table->topics())
      add(t);
  } else {
    for (auto& name : req.topics) {
      if (auto* t = st.table->find(name)) {
        add(*t);
      } else {
        topic_metadata tm;
        tm.name = name;
        tm.error = "unknown topic '" + name + "'";
        out.topics.push_back(std::move(tm));
      }
    }
  }
  return out;
}

/// The local replica of (topic, partition), or an error text naming the
/// leader's node when known.
const local_replica* route(node_t* self, const std::string& topic, std::int32_t partition, std::string& error,
                           std::int64_t& leader) {
  auto& st = self->state;
  auto* t = st.table->find(topic);
  if (!t) {
    error = st.where + ": unknown topic '" + topic + "'";
    return nullptr;
  }
  if (partition < 0 || static_cast<std::size_t>(partition) >= t->partitions.size()) {
    error = st.where + ": topic '" + topic + "' has no partition " + std::to_string(partition);
    return nullptr;
  }
  auto group = t->partitions[static_cast<std::size_t>(partition)].group;
  if (auto v = st.views.find(group); v != st.views.end())
    leader = v->second.leader;
  auto it = st.replicas.find(group);
  if (it == st.replicas.end() || !it->second.handle || it->second.deleting) {
    error = st.where + ": no replica of " + topic + "-" + std::to_string(partition) + " here (not_leader; leader "
            + (leader ? "node " + std::to_string(leader) : std::string("unknown")) + ")";
    return nullptr;
  }
  return &it->second;
}

find_coordinator_reply coordinator_error(std::string text, std::int64_t node = 0) {
  find_coordinator_reply r;
  r.error = std::move(text);
  r.node = node;
  return r;
}

caf::result<find_coordinator_reply> find_coordinator(node_t* self, find_coordinator_request req) {
  auto& st = self->state;
  if (req.group.empty())
    return coordinator_error(st.where + ": a consumer group needs a non-empty id");
  auto* topic = st.table->find(offsets_topic);
  if (!topic) {
    // First use: create the offsets topic; the client retries.
    cluster::command cmd;
    cmd.type = cluster::command::kind::create_topic;
    cmd.topic = offsets_topic;
    cmd.partitions = st.cfg.node.offsets_partitions;
    cmd.replication_factor = static_cast<std::int16_t>(std::min<std::size_t>(3, st.cfg.node.nodes.size()));
    create_topic_request create{offsets_topic, cmd.partitions, cmd.replication_factor, {}, 0};
    propose(self, create, cmd, [](admin_reply) {});
    return coordinator_error(st.where + ": creating " + std::string(offsets_topic) + "; retry");
  }
  auto p = partition_for_key(req.group, static_cast<std::int32_t>(topic->partitions.size()));
  auto group = topic->partitions[static_cast<std::size_t>(p)].group;
  auto v = st.views.find(group);
  auto leader = v == st.views.end() ? 0 : v->second.leader;
  if (leader == 0)
    return coordinator_error(st.where + ": " + offsets_topic + "-" + std::to_string(p) + " has no leader yet; retry");
  if (leader != self_id(self)) {
    auto peer = st.peers.find(leader);
    if (peer == st.peers.end() || req.hops >= 3)
      return coordinator_error(st.where + ": coordinator of group '" + req.group + "' is on node "
                                 + std::to_string(leader) + ", not reachable from here; retry",
                               leader);
    ++req.hops;
    auto rp = self->make_response_promise<find_coordinator_reply>();
    self->request(peer->second, st.cfg.node.request_timeout, req)
      .then([rp](find_coordinator_reply& r) mutable { rp.deliver(r); },
            [rp, leader](caf::error& e) mutable {
              rp.deliver(coordinator_error("node " + std::to_string(leader) + " did not answer: "
                                           + caf::to_string(e) + "; retry", leader));
            });
    return rp;
  }
  auto local = st.replicas.find(group);
  if (local == st.replicas.end() || !local->second.handle || v->second.node != self_id(self) || !v->second.ready)
    return coordinator_error(st.where + ": " + offsets_topic + "-" + std::to_string(p)
                               + " leader is not ready yet; retry",
                             leader);
  auto it = st.coordinators.find(req.group);
  if (it == st.coordinators.end()) {
    group_coordinator_config gc;
    gc.group_id = req.group;
    gc.group = st.cfg.groups;
    gc.group.group_id = req.group;
    // A new seed per incarnation, so that member ids are never reused.
    gc.group.member_id_seed = (v->second.term << 20) ^ (static_cast<std::uint64_t>(self_id(self)) << 40)
                              ^ ++st.coordinator_incarnations;
    gc.offsets_partition = local->second.handle;
    gc.request_timeout = st.cfg.node.request_timeout;
    auto h = spawn_group_coordinator(self->system(), gc);
    self->monitor(h);
    it = st.coordinators.emplace(req.group, std::make_pair(h, group)).first;
    RIVULET_LOG(log_level::info, "node", st.where << ": coordinating consumer group '" << req.group << "' on "
                                                  << offsets_topic << "-" << p);
  }
  find_coordinator_reply r;
  r.ok = true;
  r.node = self_id(self);
  r.coordinator = it->second.first;
  return r;
}

void stop_all(node_t* self, const caf::error& reason) {
  auto& st = self->state;
  st.stopping = true;
  for (auto& [name, c] : st.coordinators)
    self->send_exit(c.first, reason);
  st.coordinators.clear();
  for (auto& [group, r] : st.replicas)
    if (r.handle)
      self->send_exit(r.handle, reason);
  for (auto& [offset, done] : st.pending_admin)
    done(admin_error(st.where + ": node stopping"));
  st.pending_admin.clear();
  self->quit(reason);
}

caf::behavior node(node_t* self, node_actor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.where = "node " + std::to_string(st.cfg.node.id);
  st.table = std::make_unique<cluster::topic_table>(st.cfg.node.node_ids());
  std::error_code ec;
  fs::create_directories(st.cfg.node.data_dir, ec);
  if (ec) {
    RIVULET_LOG(log_level::error, "node", st.where << ": cannot create " << st.cfg.node.data_dir << ": "
                                                   << ec.message());
    self->quit(caf::make_error(caf::sec::runtime_error, st.where + ": cannot create data dir"));
    return {};
  }
  add_replica(self, cluster::controller_group, "controller", st.cfg.node.node_ids(),
              fs::path(st.cfg.node.data_dir) / "controller");
  self->set_exit_handler([self](caf::exit_msg& m) { stop_all(self, m.reason); });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    for (auto it = st.coordinators.begin(); it != st.coordinators.end(); ++it)
      if (it->second.first.address() == m.source) {
        st.coordinators.erase(it);
        return;
      }
    for (auto it = st.peers.begin(); it != st.peers.end(); ++it)
      if (it->second.address() == m.source) {
        // A peer stopping cleanly is news, not a problem.
        auto level = m.reason == caf::exit_reason::user_shutdown ? log_level::info : log_level::warn;
        RIVULET_LOG(level, "node", st.where << ": lost peer node " << it->first << ": " << caf::to_string(m.reason));
        st.peers.erase(it);
        return;
      }
    for (auto it = st.replicas.begin(); it != st.replicas.end(); ++it) {
      auto& r = it->second;
      if (r.handle.address() != m.source)
        continue;
      r.handle = nullptr;
      if (r.deleting) {
        fs::remove_all(r.cfg.dir);
        st.replicas.erase(it);
        return;
      }
      if (st.stopping)
        return;
      if (++r.restarts > st.cfg.max_restarts) {
        RIVULET_LOG(log_level::error, "node", st.where << ": " << r.name << " failed " << r.restarts
                                                       << " times, leaving it down: " << caf::to_string(m.reason));
        return;
      }
      RIVULET_LOG(log_level::warn, "node", st.where << ": " << r.name << " (raft group " << it->first
                                                    << ") stopped: " << caf::to_string(m.reason)
                                                    << "; restarting from " << r.cfg.dir);
      self->delayed_send(self, st.cfg.node.tick * 2, restart_atom_v, it->first);
      return;
    }
  });
  self->send(self, tick_atom_v);
  return {
    // First in the list: placed after the other handlers, CAF 0.17.6
    // reported this message as unexpected (seen, not explained).
    [self](replicas_atom) -> std::vector<caf::actor> {
      std::vector<caf::actor> out;
      for (auto& [group, r] : self->state.replicas)
        if (r.handle)
          out.push_back(r.handle);
      return out;
    },
    [self](hello_atom, std::int64_t id, caf::actor peer) {
      auto& st = self->state;
      if (id == self_id(self) || !peer || !st.cfg.node.find(id))
        return;
      auto it = st.peers.find(id);
      if (it != st.peers.end() && it->second == peer)
        return;
      st.peers[id] = peer;
      self->monitor(peer);
      RIVULET_LOG(log_level::info, "node", st.where << ": peer node " << id << " connected");
    },
    [self](restart_atom, std::int64_t group) {
      auto& st = self->state;
      auto it = st.replicas.find(group);
      if (it == st.replicas.end() || it->second.handle || st.stopping)
        return;
      spawn_replica(self, group);
    },
    [self](tick_atom) {
      auto& st = self->state;
      ++st.ticks;
      for (auto& [group, r] : st.replicas)
        if (r.handle)
          self->send(r.handle, tick_atom_v);
      for (auto& batch : st.heartbeats.flush()) {
        auto peer = st.peers.find(batch.to.value);
        if (peer != st.peers.end())
          send_peer(self, peer->first, peer->second, std::move(batch));
      }
      if (st.ticks % static_cast<std::uint64_t>(std::max(1, st.cfg.report_every_ticks)) == 0)
        gather_reports(self);
      read_controller(self);
      if (st.ticks % 20 == 1)
        connect_peers(self);
      self->delayed_send(self, st.cfg.node.tick, tick_atom_v);
    },
    [self](outbound_raft& out) {
      auto& st = self->state;
      st.heartbeats.collect(raft::group_id{out.group}, out.msgs);
      std::map<std::int64_t, raft_route> by_node;
      for (auto& m : out.msgs) {
        auto& route = by_node[m.to.value];
        route.from = self_id(self);
        route.items.push_back(raft_envelope{out.group, std::move(m)});
      }
      for (auto& [to, route] : by_node) {
        auto peer = st.peers.find(to);
        if (peer != st.peers.end())
          send_peer(self, to, peer->second, std::move(route));
      }
    },
    [self](raft_route& in) {
      auto& st = self->state;
      for (auto& e : in.items) {
        auto it = st.replicas.find(e.group);
        if (it != st.replicas.end() && it->second.handle && !it->second.deleting)
          self->send(it->second.handle, std::move(e));
      }
    },
    [self](const raft::coalesced_heartbeats& in) {
      auto& st = self->state;
      for (auto& gm : raft::heartbeat_batcher::split(in)) {
        auto it = st.replicas.find(gm.group.value);
        if (it != st.replicas.end() && it->second.handle && !it->second.deleting)
          self->send(it->second.handle, raft_envelope{gm.group.value, std::move(gm.msg)});
      }
    },
    [self](const replica_report& in) {
      for (auto& v : in.replicas)
        update_view(self, v);
    },
    [self](create_topic_request& req) -> caf::result<admin_reply> {
      auto& st = self->state;
      cluster::command cmd;
      cmd.type = cluster::command::kind::create_topic;
      cmd.topic = req.topic;
      cmd.partitions = req.partitions;
      cmd.replication_factor = req.replication_factor;
      cmd.configs = req.configs;
      if (auto why = cluster::validate_create(cmd, st.cfg.node.nodes.size()); !why.empty())
        return admin_error(why);
      if (st.table->find(req.topic))
        return admin_error("topic '" + req.topic + "' already exists");
      auto rp = self->make_response_promise<admin_reply>();
      propose(self, req, cmd, [rp](admin_reply r) mutable { rp.deliver(r); });
      return rp;
    },
    [self](delete_topic_request& req) -> caf::result<admin_reply> {
      cluster::command cmd;
      cmd.type = cluster::command::kind::delete_topic;
      cmd.topic = req.topic;
      if (auto why = cluster::validate_topic_name(req.topic); !why.empty())
        return admin_error(why);
      auto rp = self->make_response_promise<admin_reply>();
      propose(self, req, cmd, [rp](admin_reply r) mutable { rp.deliver(r); });
      return rp;
    },
    [self](const metadata_request& req) -> metadata_reply { return describe(self, req); },
    [self](find_coordinator_request& req) -> caf::result<find_coordinator_reply> {
      return find_coordinator(self, std::move(req));
    },
    [self](topic_produce& req) -> caf::result<caf::message> {
      std::string error;
      std::int64_t leader = 0;
      auto* r = route(self, req.topic, req.partition, error, leader);
      if (!r) {
        produce_reply out;
        out.error = error;
        out.leader = leader;
        return caf::make_message(std::move(out));
      }
      return self->delegate(r->handle, std::move(req.req));
    },
    [self](topic_fetch& req) -> caf::result<caf::message> {
      std::string error;
      std::int64_t leader = 0;
      auto* r = route(self, req.topic, req.partition, error, leader);
      if (!r) {
        fetch_reply out;
        out.error = error;
        return caf::make_message(std::move(out));
      }
      return self->delegate(r->handle, std::move(req.req));
    },
  };
}

} // namespace

caf::actor spawn_node(caf::actor_system& sys, node_actor_config cfg) {
  return sys.spawn(node, std::move(cfg));
}

} // namespace rivulet::actors
