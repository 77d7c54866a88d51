#include "actors/admin.hpp"

#include <thread>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"

namespace rivulet::actors {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::optional<metadata_reply> fetch_metadata(caf::actor_system& sys, const caf::actor& node,
                                             std::vector<std::string> topics, std::chrono::milliseconds timeout) {
  if (!node)
    return std::nullopt;
  caf::scoped_actor self{sys};
  std::optional<metadata_reply> out;
  self->request(node, timeout, metadata_request{std::move(topics)})
    .receive([&](metadata_reply& r) { out = std::move(r); }, [](caf::error&) {});
  return out;
}

std::string create_topic_and_wait(caf::actor_system& sys, const caf::actor& node, const std::string& topic,
                                  int partitions, int replication_factor, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  std::string last = "no answer";
  bool created = false;
  while (!created && clock_type::now() < deadline) {
    caf::scoped_actor self{sys};
    create_topic_request req;
    req.topic = topic;
    req.partitions = partitions;
    req.replication_factor = static_cast<std::int16_t>(replication_factor);
    self->request(node, 5s, req)
      .receive(
        [&](admin_reply& r) {
          created = r.ok || r.error.find("already exists") != std::string::npos;
          last = r.error;
        },
        [&](caf::error& e) { last = caf::to_string(e); });
    if (!created && last.find("retry") == std::string::npos && last != "no answer")
      return last;  // refused for good (bad name, replication factor...)
    if (!created)
      std::this_thread::sleep_for(50ms);  // the controller is electing a leader
  }
  if (!created)
    return "topic " + topic + " not created: " + last;
  while (clock_type::now() < deadline) {
    auto md = fetch_metadata(sys, node, {topic});
    bool ready = md && md->topics.size() == 1 && md->topics[0].error.empty()
                 && md->topics[0].partitions.size() == static_cast<std::size_t>(partitions);
    for (std::size_t i = 0; ready && i < md->topics[0].partitions.size(); ++i)
      ready = md->topics[0].partitions[i].leader != 0;
    if (ready)
      return {};
    std::this_thread::sleep_for(20ms);  // leaders are being elected
  }
  return "topic " + topic + " has no leader for every partition after " + std::to_string(timeout.count()) + " ms";
}

} // namespace rivulet::actors
