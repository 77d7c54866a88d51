#include "apps/cluster_cli.hpp"

#include <atomic>
#include <csignal>
#include <mutex>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

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

namespace {

using namespace std::chrono_literals;

int fail(const std::string& msg) {
  std::cerr << "rivulet: " << msg << "\n(see rivulet --help)\n";
  return 2;
}

std::string join(const std::vector<std::int64_t>& v) {
  std::ostringstream out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out << (i ? "," : "") << v[i];
  return out.str();
}

/// An actor system that can reach other processes.
struct network_system {
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;

  explicit network_system(int threads) {
    job_config jc;
    jc.threads = threads;
    actors::configure_system(cfg, jc);
    actors::configure_network(cfg);
    sys.emplace(cfg);
  }
};

std::string default_bootstrap() {
  if (const char* env = std::getenv("RIVULET_BOOTSTRAP"); env && *env)
    return env;
  return "127.0.0.1:7001";
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
