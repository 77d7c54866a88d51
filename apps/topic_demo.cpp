// `rivulet demo`: the topic store and the dataflow engine together, in one
// process. An embedded 3-node cluster holds a topic of text lines
// (3 partitions, 3 replicas each); a word-count job reads it, counts words
// and writes the counts to a second topic; meanwhile the node leading a
// partition is killed (and restarted once the job is done). The demo then
// reads the counts back and checks every one against a count made directly
// from the input file.

#include "apps/topic_demo.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>

#include "actors/admin.hpp"
#include "actors/consumer.hpp"
#include "actors/embedded_cluster.hpp"
#include "actors/environment.hpp"
#include "actors/executor.hpp"
#include "actors/producer.hpp"
#include "actors/topic_client.hpp"
#include "actors/type_ids.hpp"
#include "apps/examples/word_count.hpp"

namespace rivulet::cli {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

} // namespace

int demo_main(const std::vector<std::string>& args) {
  std::string input = "data/sample.txt";
  int repeat = 200;
  bool kill_leader = true;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--input" && i + 1 < args.size())
      input = args[++i];
    else if (args[i] == "--no-kill")
      kill_leader = false;
    else if (args[i] == "--repeat" && i + 1 < args.size())
      repeat = std::max(1, std::atoi(args[++i].c_str()));
    else {
      std::cerr << "rivulet: demo: unknown option '" << args[i] << "'\n";
      return 2;
    }
  }
  std::ifstream in(input);
  if (!in) {
    std::cerr << "rivulet: demo: cannot open " << input << '\n';
    return 1;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  // The expected answer, computed directly.
  std::map<std::string, std::int64_t> expected;
  std::string scratch;
  for (auto& line : lines)
    examples::for_each_word(line, scratch, [&](std::string_view w) { expected[std::string(w)] += repeat; });

  auto t0 = clock_type::now();
  auto dir = std::filesystem::temp_directory_path() / ("rivulet-demo-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  caf::actor_system_config cfg;
  job_config jc;
  jc.threads = 2;
  actors::configure_system(cfg, jc);
  int rc = 0;
  std::size_t total_lines = 0;
  {
    caf::actor_system sys{cfg};
    actors::embedded_cluster_config ec;
    ec.base_dir = dir.string();
    ec.nodes = 3;
    ec.tick = 20ms;
    actors::embedded_cluster cluster(sys, ec);
    std::cout << "embedded cluster: 3 nodes in " << dir.string() << '\n';
    for (auto* t : {"lines", "word-counts"}) {
      if (auto e = actors::create_topic_and_wait(sys, cluster.running().front(), t, 3, 3); !e.empty()) {
        std::cerr << "rivulet: demo: " << e << '\n';
        return 1;
      }
      std::cout << "created topic " << t << " (3 partitions, replication factor 3)\n";
    }

    // 1. Produce the input lines, acks=all, keyed by line number.
    {
      actors::producer_config pc;
      pc.bootstrap = cluster.running();
      actors::producer producer(sys, pc);
      std::size_t sent = 0;
      for (int r = 0; r < repeat; ++r)
        for (std::size_t i = 0; i < lines.size(); ++i, ++sent)
          producer.send("lines", std::to_string(sent), lines[i], [](const actors::delivery&) {});
      producer.flush();
      total_lines = sent;
      std::cout << "produced " << sent << " lines to 'lines' with acks=all (" << std::fixed << std::setprecision(2)
                << seconds_since(t0) << " s)\n";
    }

    // 2. Word count from topic to topic; kill a partition leader meanwhile.
    environment env{jc};
    env.config().mode = runtime_mode::batch;
    env.config().parallelism = 3;
    actors::topic_client_config tc;
    tc.bootstrap = cluster.running();
    tc.consumer.auto_offset_reset = actors::consumer_config::offset_reset::earliest;
    env.set_topic_client(actors::make_topic_client(sys, tc));
    topic_read_options ro;
    ro.bounded = true;
    // Counts the lines the sources have read, so that the kill below lands
    // while the job is reading.
    auto lines_read = std::make_shared<std::atomic<std::size_t>>(0);
    auto words = examples::word_count(env.from_topic<std::string>(
      "lines",
      [lines_read](const topic_message& m) {
        ++*lines_read;
        return m.value.value_or("");
      },
      ro));
    words.to_topic(
      "word-counts", [](const std::pair<std::string, std::int64_t>& wc) { return std::to_string(wc.second); },
      [](const std::pair<std::string, std::int64_t>& wc) { return wc.first; });
    // The job runs on its own actor system (env.execute), as jobs do: its
    // sources and sinks block their task threads while they wait for the
    // cluster, whose actors keep the threads of `sys`.
    auto md = actors::fetch_metadata(sys, cluster.running().front(), {"lines"});
    std::int64_t victim = kill_leader && md && !md->topics.empty() ? md->topics[0].partitions[0].leader : 0;
    std::thread killer([&] {
      // Mid-run: once the job has read a third of the lines (or after 10 s).
      auto deadline = clock_type::now() + 10s;
      while (*lines_read < total_lines / 3 && clock_type::now() < deadline)
        std::this_thread::sleep_for(1ms);
      if (victim) {
        cluster.kill(victim);
        std::cout << "killed node " << victim << ", leader of lines-0, while the job runs" << std::endl;
      }
    });
    auto result = env.execute("word count, topic to topic");
    killer.join();
    if (!result.ok()) {
      std::cerr << "rivulet: demo: job failed: " << result.error << '\n';
      rc = 1;
    } else {
      std::cout << "job done (" << seconds_since(t0) << " s)\n";
    }
    if (victim) {
      cluster.restart(victim);
      std::cout << "restarted node " << victim << " from its disk\n";
    }

    // 3. Read the counts back and check them.
    if (rc == 0) {
      actors::consumer_config cc;
      cc.bootstrap = cluster.running();
      cc.auto_offset_reset = actors::consumer_config::offset_reset::earliest;
      actors::consumer consumer(sys, cc);
      consumer.assign({{"word-counts", 0}, {"word-counts", 1}, {"word-counts", 2}});
      consumer.seek_to_beginning();
      std::map<std::string, std::int64_t> got;
      std::size_t records = 0;
      auto deadline = clock_type::now() + 30s;
      while (clock_type::now() < deadline && got.size() < expected.size()) {
        for (auto& r : consumer.poll(200ms)) {
          ++records;
          if (r.key && r.value)
            got[*r.key] = std::stoll(*r.value);
        }
      }
      std::size_t wrong = 0;
      for (auto& [w, n] : expected)
        if (got.count(w) == 0 || got[w] != n)
          ++wrong;
      std::vector<std::pair<std::string, std::int64_t>> top(got.begin(), got.end());
      std::sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
      std::cout << "read " << records << " records from 'word-counts'; top words:\n";
      for (std::size_t i = 0; i < top.size() && i < 10; ++i)
        std::cout << "  " << std::setw(8) << top[i].second << "  " << top[i].first << '\n';
      if (wrong == 0 && got.size() == expected.size()) {
        std::cout << "all " << expected.size() << " word counts match a direct count of " << input << " x" << repeat
                  << " (" << seconds_since(t0) << " s)\n";
      } else {
        std::cout << "MISMATCH: " << wrong << " of " << expected.size() << " words wrong or missing\n";
        rc = 1;
      }
    }
  }
  std::filesystem::remove_all(dir);
  return rc;
}

} // namespace rivulet::cli
