#include "runtime/raft/heartbeat_batcher.hpp"

#include <utility>

namespace rivulet::raft {

namespace {

bool is_heartbeat(const message& m) {
  return m.type == message_type::heartbeat || m.type == message_type::heartbeat_reply;
}

} // namespace

void heartbeat_batcher::collect(group_id group, std::vector<message>& messages) {
  std::vector<message> rest;
  rest.reserve(messages.size());
  for (auto& m : messages) {
    if (is_heartbeat(m))
      by_route_[{m.to, m.from}].push_back(group_heartbeat{group, m.type, m.term, m.commit});
    else
      rest.push_back(std::move(m));
  }
  messages = std::move(rest);
}

std::vector<coalesced_heartbeats> heartbeat_batcher::flush() {
  std::vector<coalesced_heartbeats> out;
  out.reserve(by_route_.size());
  for (auto& [route, items] : by_route_)
    out.push_back(coalesced_heartbeats{route.second, route.first, std::move(items)});
  by_route_.clear();
  return out;
}

std::size_t heartbeat_batcher::pending() const {
  std::size_t n = 0;
  for (const auto& [_, items] : by_route_)
    n += items.size();
  return n;
}

std::vector<group_message> heartbeat_batcher::split(const coalesced_heartbeats& batch) {
  std::vector<group_message> out;
  out.reserve(batch.items.size());
  for (const auto& h : batch.items) {
    message m;
    m.type = h.type;
    m.from = batch.from;
    m.to = batch.to;
    m.term = h.term;
    m.commit = h.commit;
    out.push_back(group_message{h.group, std::move(m)});
  }
  return out;
}

} // namespace rivulet::raft
