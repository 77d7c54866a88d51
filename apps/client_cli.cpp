// `rivulet produce` and `rivulet consume`: records between stdin/stdout and
// a topic, through any node of a cluster.

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/consumer.hpp"
#include "actors/producer.hpp"
#include "actors/type_ids.hpp"
#include "apps/cli_common.hpp"
#include "apps/cluster_cli.hpp"

namespace rivulet::cli {

using namespace detail;
using namespace std::chrono_literals;

namespace {

/// Options shared by produce and consume.
struct client_options {
  std::string topic;
  std::string bootstrap = default_bootstrap();
  std::string acks = "all";
  std::string key_separator;
  bool from_beginning = false;
  bool print_key = false;
  std::string group;
  long long max = -1;
  long long timeout_ms = -1;
};

std::optional<client_options> parse_client(const std::vector<std::string>& args, std::string& error) {
  client_options o;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto& a = args[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    auto number = [&](long long& out) {
      auto v = next();
      try {
        std::size_t used = 0;
        out = v ? std::stoll(*v, &used) : -1;
        return v && used == v->size() && out >= 0;
      } catch (...) {
        return false;
      }
    };
    if (a == "--bootstrap") {
      auto v = next();
      if (!v)
        return error = "--bootstrap needs HOST:PORT", std::nullopt;
      o.bootstrap = *v;
    } else if (a == "--acks") {
      auto v = next();
      if (!v || (*v != "all" && *v != "1" && *v != "0" && *v != "-1"))
        return error = "--acks needs all, 1 or 0", std::nullopt;
      o.acks = *v;
    } else if (a == "--key-separator") {
      auto v = next();
      if (!v || v->empty())
        return error = "--key-separator needs a non-empty text", std::nullopt;
      o.key_separator = *v;
    } else if (a == "--from-beginning") {
      o.from_beginning = true;
    } else if (a == "--print-key") {
      o.print_key = true;
    } else if (a == "--group") {
      auto v = next();
      if (!v || v->empty())
        return error = "--group needs a group id", std::nullopt;
      o.group = *v;
    } else if (a == "--max") {
      if (!number(o.max))
        return error = "--max needs a number >= 0", std::nullopt;
    } else if (a == "--timeout-ms") {
      if (!number(o.timeout_ms))
        return error = "--timeout-ms needs a number >= 0", std::nullopt;
    } else if (!a.empty() && a[0] == '-') {
      return error = "unknown option '" + a + "'", std::nullopt;
    } else if (o.topic.empty()) {
      o.topic = a;
    } else {
      return error = "unexpected argument '" + a + "'", std::nullopt;
    }
  }
  if (o.topic.empty())
    return error = "needs a topic", std::nullopt;
  return o;
}

/// Connects to the bootstrap node and learns every node's handle.
std::vector<caf::actor> cluster_nodes(caf::actor_system& sys, const std::string& bootstrap, std::string& error) {
  std::string host;
  std::uint16_t port = 0;
  if (!actors::parse_host_port(bootstrap, host, port)) {
    error = "--bootstrap '" + bootstrap + "' is not HOST:PORT";
    return {};
  }
  auto node = actors::connect_node(sys, host, port, error);
  if (!node)
    return {};
  std::vector<caf::actor> out{node};
  caf::scoped_actor self{sys};
  self->request(node, 10s, actors::metadata_request{})
    .receive(
      [&](actors::metadata_reply& md) {
        for (auto& n : md.nodes)
          if (n.handle && n.handle != node)
            out.push_back(n.handle);
      },
      [](caf::error&) {});
  return out;
}

} // namespace

int produce_main(const std::vector<std::string>& args) {
  std::string error;
  auto o = parse_client(args, error);
  if (!o)
    return fail("produce: " + error);
  network_system net(2);
  auto nodes = cluster_nodes(*net.sys, o->bootstrap, error);
  if (nodes.empty()) {
    std::cerr << "rivulet: " << error << '\n';
    return 1;
  }
  actors::producer_config pc;
  pc.bootstrap = nodes;
  pc.acks = o->acks == "all" || o->acks == "-1" ? -1 : static_cast<std::int16_t>(std::stoi(o->acks));
  actors::producer producer(*net.sys, pc);
  auto failures = std::make_shared<std::atomic<std::uint64_t>>(0);
  auto first_error = std::make_shared<std::string>();
  auto error_mtx = std::make_shared<std::mutex>();
  std::uint64_t sent = 0;
  for (std::string line; std::getline(std::cin, line); ++sent) {
    std::optional<std::string> key;
    if (!o->key_separator.empty()) {
      auto at = line.find(o->key_separator);
      if (at != std::string::npos) {
        key = line.substr(0, at);
        line.erase(0, at + o->key_separator.size());
      }
    }
    producer.send(o->topic, std::move(key), std::move(line), [=](const actors::delivery& d) {
      if (d.ok())
        return;
      if (failures->fetch_add(1) == 0) {
        std::lock_guard<std::mutex> guard(*error_mtx);
        *first_error = d.error;
      }
    });
  }
  producer.flush();
  auto failed = failures->load();
  std::cerr << "produced " << (sent - failed) << " of " << sent << " records to " << o->topic << '\n';
  if (failed) {
    std::lock_guard<std::mutex> guard(*error_mtx);
    std::cerr << "rivulet: " << failed << " records failed, first: " << *first_error << '\n';
    return 1;
  }
  return 0;
}

int consume_main(const std::vector<std::string>& args) {
  std::string error;
  auto o = parse_client(args, error);
  if (!o)
    return fail("consume: " + error);
  network_system net(2);
  auto nodes = cluster_nodes(*net.sys, o->bootstrap, error);
  if (nodes.empty()) {
    std::cerr << "rivulet: " << error << '\n';
    return 1;
  }
  actors::consumer_config cc;
  cc.bootstrap = nodes;
  cc.group_id = o->group;
  cc.auto_offset_reset = o->from_beginning ? actors::consumer_config::offset_reset::earliest
                                           : actors::consumer_config::offset_reset::latest;
  actors::consumer consumer(*net.sys, cc);
  if (o->group.empty()) {
    caf::scoped_actor self{*net.sys};
    std::int32_t partitions = -1;
    self->request(nodes.front(), 10s, actors::metadata_request{{o->topic}})
      .receive(
        [&](actors::metadata_reply& md) {
          if (md.topics.size() == 1 && md.topics[0].error.empty())
            partitions = static_cast<std::int32_t>(md.topics[0].partitions.size());
          else if (md.topics.size() == 1)
            error = md.topics[0].error;
        },
        [&](caf::error& e) { error = caf::to_string(e); });
    if (partitions < 0) {
      std::cerr << "rivulet: " << error << '\n';
      return 1;
    }
    std::vector<actors::topic_partition> tps;
    for (std::int32_t p = 0; p < partitions; ++p)
      tps.push_back({o->topic, p});
    consumer.assign(tps);
    if (o->from_beginning)
      consumer.seek_to_beginning();
    else
      consumer.seek_to_end();
  } else if (!consumer.subscribe({o->topic})) {
    std::cerr << "rivulet: cannot subscribe to " << o->topic << '\n';
    return 1;
  }
  long long printed = 0;
  auto last_record = std::chrono::steady_clock::now();
  while (o->max < 0 || printed < o->max) {
    auto records = consumer.poll(200ms);
    for (auto& r : records) {
      if (o->print_key)
        std::cout << r.key.value_or("") << '\t';
      std::cout << r.value.value_or("") << '\n';
      if (++printed == o->max)
        break;
    }
    if (!records.empty()) {
      last_record = std::chrono::steady_clock::now();
      std::cout.flush();
    } else if (o->timeout_ms >= 0 && std::chrono::steady_clock::now() - last_record
                                        > std::chrono::milliseconds(o->timeout_ms)) {
      break;
    }
  }
  if (!o->group.empty())
    consumer.commit_sync();
  std::cout.flush();
  return 0;
}


} // namespace rivulet::cli
