#include "actors/client_metadata.hpp"

#include <algorithm>

namespace rivulet::actors::detail {

client_metadata::client_metadata(std::vector<caf::actor> bootstrap) : bootstrap_(std::move(bootstrap)) {
  bootstrap_.erase(std::remove(bootstrap_.begin(), bootstrap_.end(), caf::actor{}), bootstrap_.end());
}

void client_metadata::update(const metadata_reply& reply) {
  ++replies_;
  for (auto& n : reply.nodes) {
    if (n.handle)
      nodes_[n.id] = n.handle;
    else
      nodes_.erase(n.id);  // the answering node cannot reach it either
  }
  topics_.clear();
  for (auto& t : reply.topics)
    if (t.error.empty())
      topics_[t.name] = t;
  for (auto& n : reply.nodes)
    if (n.id == reply.answered_by && n.handle)
      last_good_ = n.handle;
}

const topic_metadata* client_metadata::topic(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

partition_metadata* client_metadata::find(const std::string& topic, std::int32_t partition) {
  auto it = topics_.find(topic);
  if (it == topics_.end())
    return nullptr;
  for (auto& p : it->second.partitions)
    if (p.partition == partition)
      return &p;
  return nullptr;
}

const partition_metadata* client_metadata::find(const std::string& topic, std::int32_t partition) const {
  return const_cast<client_metadata*>(this)->find(topic, partition);
}

caf::actor client_metadata::leader(const std::string& topic, std::int32_t partition) const {
  auto* p = find(topic, partition);
  if (!p || p->leader == 0)
    return {};
  auto it = nodes_.find(p->leader);
  return it == nodes_.end() ? caf::actor{} : it->second;
}

void client_metadata::set_leader(const std::string& topic, std::int32_t partition, std::int64_t node) {
  if (auto* p = find(topic, partition))
    p->leader = node;
}

std::int64_t client_metadata::high_watermark(const std::string& topic, std::int32_t partition) const {
  auto* p = find(topic, partition);
  return p ? p->high_watermark : -1;
}

caf::actor client_metadata::pick_node() {
  if (last_good_)
    return last_good_;
  std::vector<caf::actor> all = bootstrap_;
  for (auto& [id, h] : nodes_)
    if (std::find(all.begin(), all.end(), h) == all.end())
      all.push_back(h);
  if (all.empty())
    return {};
  last_good_ = all[next_pick_++ % all.size()];
  return last_good_;
}

void client_metadata::node_failed() {
  // Forget a node that failed, so that the next pick rotates; a node killed
  // for good would otherwise be tried forever.
  for (auto it = nodes_.begin(); it != nodes_.end(); ++it)
    if (it->second == last_good_) {
      nodes_.erase(it);
      break;
    }
  last_good_ = nullptr;
}

} // namespace rivulet::actors::detail
