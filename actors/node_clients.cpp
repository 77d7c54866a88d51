#include "actors/node_internal.hpp"

#include "actors/group_coordinator_actor.hpp"
#include "actors/txn_coordinator_actor.hpp"
#include "runtime/log.hpp"
#include "runtime/partitioner.hpp"

namespace rivulet::actors::node_detail {

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

static find_coordinator_reply coordinator_error(std::string text, std::int64_t node = 0) {
  find_coordinator_reply r;
  r.error = std::move(text);
  r.node = node;
  return r;
}

caf::result<find_coordinator_reply> find_coordinator(node_t* self, find_coordinator_request req) {
  auto& st = self->state;
  if (req.group.empty())
    return coordinator_error(st.where + (req.transaction ? ": a transactional id must not be empty"
                                                         : ": a consumer group needs a non-empty id"));
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
  // Groups and transactional ids share the map (and the partition hash,
  // as in Kafka); the key says which one.
  auto key = (req.transaction ? "txn/" : "group/") + req.group;
  auto it = st.coordinators.find(key);
  if (it == st.coordinators.end() && req.transaction) {
    txn_coordinator_config tc;
    tc.transactional_id = req.group;
    tc.state_partition = local->second.handle;
    tc.node = self;
    tc.coordinator_epoch = static_cast<std::int32_t>(v->second.term);
    tc.request_timeout = st.cfg.node.request_timeout;
    auto h = spawn_txn_coordinator(self->system(), tc);
    self->monitor(h);
    it = st.coordinators.emplace(key, std::make_pair(h, group)).first;
    RIVULET_LOG(log_level::info, "node", st.where << ": coordinating transactional id '" << req.group << "' on "
                                                  << offsets_topic << "-" << p);
  } else if (it == st.coordinators.end()) {
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
    it = st.coordinators.emplace(key, std::make_pair(h, group)).first;
    RIVULET_LOG(log_level::info, "node", st.where << ": coordinating consumer group '" << req.group << "' on "
                                                  << offsets_topic << "-" << p);
  }
  find_coordinator_reply r;
  r.ok = true;
  r.node = self_id(self);
  r.coordinator = it->second.first;
  return r;
}

} // namespace rivulet::actors::node_detail
