#pragma once

// Starts `rivulet node` processes on loopback for the multi-process tests and
// the produce benchmark: free ports, one config and data dir per node,
// optional Kafka listeners, SIGKILL and restart of single nodes.
// Header-only, POSIX.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace rivulet::apps {

/// A port the OS reports free right now (bind to 0, read, close).
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct local_cluster_config {
  std::string rivulet_binary;
  std::filesystem::path base_dir;
  int nodes = 3;
  int tick_ms = 50;
  std::string fsync = "interval";
  /// Give every node a Kafka listener on a free port (`kafka = ...`).
  bool kafka = false;
};

/// N `rivulet node` processes; stops them (SIGTERM, then waits) on destruction.
class local_cluster {
public:
  explicit local_cluster(local_cluster_config cfg) : cfg_(std::move(cfg)) {
    std::filesystem::create_directories(cfg_.base_dir);
    std::string nodes;
    std::string kafka;
    for (int i = 1; i <= cfg_.nodes; ++i) {
      ports_[i] = free_port();
      nodes += (i > 1 ? ", " : "") + std::to_string(i) + "@127.0.0.1:" + std::to_string(ports_[i]);
      if (cfg_.kafka) {
        kafka_ports_[i] = free_port();
        kafka += (i > 1 ? ", " : "") + std::to_string(i) + "@127.0.0.1:" + std::to_string(kafka_ports_[i]);
      }
    }
    for (int i = 1; i <= cfg_.nodes; ++i) {
      std::ofstream ini(config_path(i));
      ini << "[node]\nid = " << i << "\ndata_dir = " << (cfg_.base_dir / ("data" + std::to_string(i))).string()
          << "\n[cluster]\nnodes = " << nodes << "\ntick_ms = " << cfg_.tick_ms << "\nfsync = " << cfg_.fsync
          << "\n";
      if (cfg_.kafka)
        ini << "kafka = " << kafka << "\n";
    }
    for (int i = 1; i <= cfg_.nodes; ++i)
      start(i);
  }
  ~local_cluster() {
    for (auto& [id, pid] : pids_)
      if (pid > 0)
        ::kill(pid, SIGTERM);
    for (auto& [id, pid] : pids_)
      if (pid > 0)
        ::waitpid(pid, nullptr, 0);
  }
  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  std::uint16_t port(int id) const { return ports_.at(id); }
  std::string address(int id) const { return "127.0.0.1:" + std::to_string(port(id)); }
  /// Node `id`'s Kafka listener port; only with `local_cluster_config::kafka`.
  std::uint16_t kafka_port(int id) const { return kafka_ports_.at(id); }
  std::string kafka_address(int id) const { return "127.0.0.1:" + std::to_string(kafka_port(id)); }
  /// Every node's Kafka address, comma-separated (`bootstrap.servers`).
  std::string kafka_bootstrap() const {
    std::string all;
    for (const auto& entry : kafka_ports_)
      all += (all.empty() ? "" : ",") + kafka_address(entry.first);
    return all;
  }
  const std::filesystem::path& base_dir() const { return cfg_.base_dir; }
  std::filesystem::path config_path(int id) const {
    return cfg_.base_dir / ("n" + std::to_string(id) + ".ini");
  }
  bool running(int id) const { return pids_.count(id) && pids_.at(id) > 0; }
  /// Process ids of the running nodes.
  std::vector<pid_t> pids() const {
    std::vector<pid_t> out;
    for (const auto& [id, pid] : pids_)
      if (pid > 0)
        out.push_back(pid);
    return out;
  }

  /// Starts node `id` (again), logging to base_dir/n<id>.log.
  void start(int id) {
    auto log = (cfg_.base_dir / ("n" + std::to_string(id) + ".log")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    auto cfg = config_path(id).string();
    std::vector<std::string> args{cfg_.rivulet_binary, "node", "--config", cfg};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, cfg_.rivulet_binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
      throw std::runtime_error("cannot start " + cfg_.rivulet_binary + ": error " + std::to_string(rc));
    pids_[id] = pid;
  }

  /// SIGKILL: the node gets no chance to clean up (a crash).
  void kill(int id) {
    auto it = pids_.find(id);
    if (it == pids_.end() || it->second <= 0)
      return;
    ::kill(it->second, SIGKILL);
    ::waitpid(it->second, nullptr, 0);
    it->second = -1;
  }

private:
  local_cluster_config cfg_;
  std::map<int, std::uint16_t> ports_;
  std::map<int, std::uint16_t> kafka_ports_;
  std::map<int, pid_t> pids_;
};

} // namespace rivulet::apps
