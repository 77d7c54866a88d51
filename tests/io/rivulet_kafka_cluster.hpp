#pragma once

// Three `rivulet node` processes with Kafka listeners for librdkafka tests
// (apps/local_cluster.hpp), and small librdkafka helpers shared by
// tests/io/rdkafka_rivulet_test.cpp and tests/io/rdkafka_txn_test.cpp.
// Set RIVULET_KEEP_TEST_DIR=1 to keep the node logs (base_dir/n<i>.log).

#include "apps/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/io/rdkafka_peer.hpp"

extern char** environ;

namespace rivulet::io::kafka::test {

using clock_type = std::chrono::steady_clock;

inline std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rivulet-rdkafka-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

/// Three node processes with Kafka listeners; removes its directory unless
/// RIVULET_KEEP_TEST_DIR is set.
struct kafka_cluster {
  explicit kafka_cluster(const std::string& name) : dir(fresh_dir(name)), nodes(config(dir)) {}
  ~kafka_cluster() {
    if (!std::getenv("RIVULET_KEEP_TEST_DIR")) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
  static apps::local_cluster_config config(const std::filesystem::path& dir) {
    apps::local_cluster_config cfg;
    cfg.rivulet_binary = RIVULET_BINARY;
    cfg.base_dir = dir;
    cfg.tick_ms = 20;
    cfg.kafka = true;
    return cfg;
  }

  /// Runs `rivulet topic create` until it succeeds (nodes still starting and
  /// electing a controller make it fail), bounded by 30 s.
  void create_topic(const std::string& topic) {
    const auto out = (dir / "create.out").string();
    const auto deadline = clock_type::now() + std::chrono::seconds(30);
    std::string text;
    while (clock_type::now() < deadline) {
      std::vector<std::string> args{RIVULET_BINARY, "topic", "create", topic, "--partitions", "3",
                                    "--replication-factor", "3", "--bootstrap", nodes.address(1)};
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
      pid_t pid = 0;
      const int rc = posix_spawn(&pid, RIVULET_BINARY, &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      REQUIRE(rc == 0);
      int status = 0;
      ::waitpid(pid, &status, 0);
      std::ifstream in(out);
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || text.find("already exists") != std::string::npos)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200)); // retry back-off, not a wait
    }
    FAIL("rivulet topic create " << topic << " kept failing: " << text);
  }

  std::filesystem::path dir;
  apps::local_cluster nodes;
};

/// Leader node id per partition from librdkafka's metadata (-1: none yet).
inline std::vector<int> leaders(rd_kafka_t* rk, const char* topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  std::vector<int> out;
  if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.assign(static_cast<std::size_t>(md->topics[0].partition_cnt), -1);
      for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
        const auto& p = md->topics[0].partitions[i];
        if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.id >= 0 && p.id < md->topics[0].partition_cnt)
          out[static_cast<std::size_t>(p.id)] = p.leader;
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return out;
}

/// Waits (bounded) until all three partitions report a leader.
inline std::vector<int> await_leaders(rd_kafka_t* rk, const char* topic) {
  const auto deadline = clock_type::now() + std::chrono::seconds(20);
  std::vector<int> ls;
  while (clock_type::now() < deadline) {
    ls = leaders(rk, topic);
    if (ls.size() == 3 && ls[0] > 0 && ls[1] > 0 && ls[2] > 0)
      return ls;
    rd_kafka_poll(rk, 100);
  }
  FAIL("partitions of " << topic << " have no leaders after 20 s");
  return ls;
}

inline rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512] = "";
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  INFO(err);
  REQUIRE(rk != nullptr);
  return rk;
}

} // namespace rivulet::io::kafka::test
