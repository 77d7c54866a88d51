#include "apps/cluster_cli.hpp"

#include "apps/cli_common.hpp"

#include <atomic>
#include <csignal>
#include <mutex>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "actors/consumer.hpp"
#include "actors/executor.hpp"
#include "actors/kafka_listener.hpp"
#include "actors/producer.hpp"
#include "actors/node_actor.hpp"
#include "actors/remote.hpp"
#include "actors/type_ids.hpp"
#include "runtime/cluster/node_config.hpp"
#include "runtime/log.hpp"

namespace rivulet::cli {

const char* cluster_usage = R"(
topic store:
  rivulet node --config FILE     run one node (see docs/operations.md for FILE)
  rivulet topic create NAME [--partitions N] [--replication-factor R]
                          [--config key=value]... [--bootstrap HOST:PORT]
  rivulet topic list [--bootstrap HOST:PORT]
  rivulet topic describe [NAME] [--bootstrap HOST:PORT]
  rivulet topic delete NAME [--bootstrap HOST:PORT]
  rivulet produce TOPIC [--acks all|1|0] [--key-separator SEP] [--bootstrap HOST:PORT]
                                 each line of stdin is a record; with
                                 --key-separator, the text before SEP is its key
  rivulet consume TOPIC [--from-beginning] [--group G] [--max N]
                        [--timeout-ms T] [--print-key] [--bootstrap HOST:PORT]
                                 prints record values (partition order kept);
                                 stops after N records or T ms without any
      --bootstrap                any node of the cluster (default 127.0.0.1:7001,
                                 or $RIVULET_BOOTSTRAP)
  rivulet demo [--input FILE] [--repeat N]
                                 embedded 3-node cluster: word count from one
                                 topic to another while a leader is killed
)";

using namespace detail;
using namespace std::chrono_literals;

namespace {

/// A node allocates and frees a buffer of a whole request (a Produce of
/// hundreds of KB) per request. glibc serves blocks that large with a fresh
/// mmap and unmaps them on free, so every request paid page faults and page
/// zeroing for its buffers: in `rivulet-bench kafka`, more node CPU than
/// receiving and writing the bytes. Keeping such blocks in the heap, and not
/// returning freed heap to the OS below 256 MiB, lets them be reused.
void keep_large_blocks_in_heap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

} // namespace


int node_main(const std::vector<std::string>& args) {
  std::string config_path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size())
      config_path = args[++i];
    else
      return fail("node: unknown option '" + args[i] + "'");
  }
  if (config_path.empty())
    return fail("node needs --config FILE");
  std::string error;
  auto cfg = cluster::load_node_config(config_path, error);
  if (!cfg) {
    std::cerr << "rivulet: " << error << '\n';
    return 1;
  }
  // Block the stop signals in every thread (CAF's threads inherit the mask)
  // and wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  keep_large_blocks_in_heap();
  network_system net(2);
  actors::node_actor_config nc;
  nc.node = *cfg;
  nc.use_middleman = true;
  auto node = actors::spawn_node(*net.sys, nc);
  auto* self_addr = cfg->self();
  if (auto why = actors::publish_node(*net.sys, node, self_addr->host, self_addr->port); !why.empty()) {
    std::cerr << "rivulet: node " << cfg->id << ": " << why << '\n';
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::cout << "rivulet node " << cfg->id << " listening on " << self_addr->host << ':' << self_addr->port
            << ", data in " << cfg->data_dir << ", " << cfg->nodes.size() << " nodes in the cluster" << std::endl;
  caf::actor kafka;
  if (auto* k = cfg->kafka_self()) {
    actors::kafka_listener_config kc;
    kc.node = node;
    kc.node_id = cfg->id;
    kc.brokers = cfg->kafka;
    kc.port = k->port;
    std::uint16_t bound = 0;
    kafka = actors::spawn_kafka_listener(*net.sys, kc, bound, error);
    if (!kafka) {
      std::cerr << "rivulet: node " << cfg->id << ": " << error << '\n';
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
      return 1;
    }
    std::cout << "rivulet node " << cfg->id << " serving Kafka clients on port " << bound << std::endl;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << "rivulet node " << cfg->id << ": stopping (signal " << sig << ")" << std::endl;
  if (kafka)
    caf::anon_send_exit(kafka, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  net.sys->middleman().unpublish(node, self_addr->port);
  return 0;
}

int topic_main(const std::vector<std::string>& args) {
  if (args.size() < 2)
    return fail("topic needs create, list, describe or delete");
  auto sub = args[1];
  std::string bootstrap = default_bootstrap();
  std::string name;
  long long partitions = 1;
  long long rf = 1;
  std::map<std::string, std::string> configs;
  for (std::size_t i = 2; i < args.size(); ++i) {
    auto& a = args[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    auto number = [&](long long lo, long long hi, long long& out) {
      auto v = next();
      if (!v)
        return false;
      try {
        std::size_t used = 0;
        out = std::stoll(*v, &used);
        return used == v->size() && out >= lo && out <= hi;
      } catch (...) {
        return false;
      }
    };
    if (a == "--bootstrap") {
      auto v = next();
      if (!v)
        return fail("--bootstrap needs HOST:PORT");
      bootstrap = *v;
    } else if (a == "--partitions") {
      if (!number(1, 10000, partitions))
        return fail("--partitions needs a number in [1, 10000]");
    } else if (a == "--replication-factor") {
      if (!number(1, 32767, rf))
        return fail("--replication-factor needs a number in [1, 32767]");
    } else if (a == "--config") {
      auto v = next();
      auto eq = v ? v->find('=') : std::string::npos;
      if (!v || eq == std::string::npos || eq == 0)
        return fail("--config needs key=value");
      configs[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (!a.empty() && a[0] == '-') {
      return fail("topic " + sub + ": unknown option '" + a + "'");
    } else if (name.empty()) {
      name = a;
    } else {
      return fail("topic " + sub + ": unexpected argument '" + a + "'");
    }
  }
  if ((sub == "create" || sub == "delete") && name.empty())
    return fail("topic " + sub + " needs a topic name");
  if (sub != "create" && sub != "delete" && sub != "list" && sub != "describe")
    return fail("unknown topic command '" + sub + "'");
  std::string host;
  std::uint16_t port = 0;
  if (!actors::parse_host_port(bootstrap, host, port))
    return fail("--bootstrap '" + bootstrap + "' is not HOST:PORT");
  network_system net(1);
  std::string error;
  auto node = actors::connect_node(*net.sys, host, port, error);
  if (!node) {
    std::cerr << "rivulet: " << error << '\n';
    return 1;
  }
  caf::scoped_actor self{*net.sys};
  int rc = 1;
  auto on_error = [&](caf::error& e) {
    std::cerr << "rivulet: node at " << bootstrap << " did not answer: " << net.sys->render(e) << '\n';
  };
  auto admin = [&](auto req) {
    self->request(node, 30s, std::move(req))
      .receive(
        [&](actors::admin_reply& r) {
          if (r.ok) {
            std::cout << (sub == "create" ? "created" : "deleted") << " topic " << name << '\n';
            rc = 0;
          } else {
            std::cerr << "rivulet: " << r.error << '\n';
          }
        },
        on_error);
  };
  if (sub == "create") {
    actors::create_topic_request req;
    req.topic = name;
    req.partitions = static_cast<std::int32_t>(partitions);
    req.replication_factor = static_cast<std::int16_t>(rf);
    req.configs = configs;
    admin(req);
  } else if (sub == "delete") {
    admin(actors::delete_topic_request{name, 0});
  } else {
    actors::metadata_request req;
    if (!name.empty())
      req.topics.push_back(name);
    self->request(node, 10s, req)
      .receive(
        [&](actors::metadata_reply& md) {
          rc = 0;
          if (sub == "list") {
            for (auto& t : md.topics)
              std::cout << t.name << '\n';
            return;
          }
          std::cout << "Cluster: " << md.nodes.size() << " nodes, controller leader "
                    << (md.controller_leader ? std::to_string(md.controller_leader) : "none") << '\n';
          for (auto& t : md.topics) {
            if (!t.error.empty()) {
              std::cerr << "rivulet: " << t.error << '\n';
              rc = 1;
              continue;
            }
            std::cout << "Topic: " << t.name << "\tPartitions: " << t.partitions.size()
                      << "\tReplicationFactor: " << t.replication_factor << "\tConfigs:";
            for (auto& [k, v] : t.configs)
              std::cout << ' ' << k << '=' << v;
            std::cout << '\n';
            for (auto& p : t.partitions) {
              auto num = [](std::int64_t v) { return v < 0 ? std::string("?") : std::to_string(v); };
              std::cout << "\tPartition: " << p.partition << "\tLeader: "
                        << (p.leader ? std::to_string(p.leader) : "none") << "\tReplicas: " << join(p.replicas)
                        << "\tIsr: " << join(p.in_sync) << "\tHighWatermark: " << num(p.high_watermark)
                        << "\tLogStart: " << num(p.log_start) << "\tLogEnd: " << num(p.log_end) << '\n';
            }
          }
        },
        on_error);
  }
  return rc;
}

} // namespace rivulet::cli
