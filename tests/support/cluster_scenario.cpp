#include "tests/support/cluster_scenario.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <type_traits>

#include "runtime/cluster/topic_table.hpp"
#include "tests/support/replica_log_check.hpp"
#include "tests/support/sim_producer.hpp"

namespace rivulet::testing {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

template <class T>
T uniform(std::mt19937_64& rng, T lo, T hi) {
  if constexpr (std::is_floating_point_v<T>)
    return std::uniform_real_distribution<T>(lo, hi)(rng);
  else
    return std::uniform_int_distribution<T>(lo, hi)(rng);
}

/// A scheduled fault: at virtual time `at`, do `what`.
struct fault_event {
  milliseconds at;
  std::function<void()> what;
};

/// Runs the seeded fault script: per round a crash and a restart of a node,
/// and a leader's node cut off and healed, at seeded times (a round ends
/// when both are over, at least 3.3 s after it began); then calms the
/// network and tells the producer to finish.
void run_fault_script(cluster_sim& sim, std::mt19937_64& script, int rounds, const sim_producer_config& pc,
                      sim_producer_log& log, std::vector<std::int64_t>& crashes, std::vector<std::string>& failures) {
  auto& cl = sim.cluster();
  // A leader's node (of the controller or a partition, as the wire checker
  // last saw it) or, when `any` or no leader is known, any node.
  auto pick_node = [&](bool any) -> std::int64_t {
    std::vector<std::int64_t> groups = {cluster::controller_group};
    groups.insert(groups.end(), log.groups.begin(), log.groups.end());
    auto leader = sim.checker().leader(groups[uniform<std::size_t>(script, 0, groups.size() - 1)]);
    if (any || leader == 0)
      return pc.nodes[uniform<std::size_t>(script, 0, pc.nodes.size() - 1)];
    return leader;
  };
  std::vector<fault_event> events;
  auto round_start = sim.now();
  for (int round = 0; round < rounds; ++round) {
    auto crash_at = round_start + milliseconds(uniform(script, 100, 1500));
    auto restart_at = crash_at + milliseconds(uniform(script, 300, 2000));
    auto cut_at = round_start + milliseconds(uniform(script, 300, 3000));
    auto heal_at = cut_at + milliseconds(uniform(script, 300, 2000));
    events.push_back({crash_at, [&] {
                        crashes.push_back(pick_node(uniform(script, 0, 3) == 0));
                        cl.kill_nowait(crashes.back());
                      }});
    events.push_back({restart_at, [&] {
                        auto crashed = crashes.back();
                        if (!sim.run_until([&] { return cl.down(crashed); }, 5s))
                          failures.push_back("node " + std::to_string(crashed) + " and its replicas did not stop");
                        else if (!cl.restart(crashed))
                          failures.push_back("node " + std::to_string(crashed) + " did not restart");
                      }});
    events.push_back({cut_at, [&] { sim.faults().isolate(pick_node(false), pc.nodes); }});
    events.push_back({heal_at, [&] { sim.faults().heal(); }});
    round_start = std::max({restart_at, heal_at, round_start + 3000ms}) + 300ms;
  }
  events.push_back({round_start, [&] {
                      sim.faults().calm();
                      sim.faults().heal();
                      log.stop_new = true;
                    }});
  std::stable_sort(events.begin(), events.end(), [](auto& a, auto& b) { return a.at < b.at; });
  for (auto& e : events) {
    if (e.at > sim.now())
      sim.run_for(e.at - sim.now());
    e.what();
  }
}

std::string figures(const cluster_sim& sim, const sim_producer_log& log, const std::vector<std::int64_t>& crashes) {
  auto st = sim.stats();
  auto f = sim.faults().stats();
  auto w = sim.checker().stats();
  std::ostringstream os;
  os << "virtual " << sim.now().count() << " ms, " << st.steps << " messages, " << st.timer_jumps
     << " timer jumps; network: " << f.decided << " node-to-node messages, " << f.dropped << " dropped, "
     << f.duplicated << " duplicated, " << f.delayed << " delayed; crashed nodes";
  for (auto n : crashes)
    os << " " << n;
  os << "; producer: "
     << log.acks << " batches acknowledged, " << log.sends << " sends, " << log.refusals << " refusals, "
     << log.timeouts << " timeouts; wire: " << w.messages << " raft messages, " << w.terms_with_leader
     << " terms with a leader, " << w.entries_committed << " entries seen committed";
  return os.str();
}

} // namespace

scenario_result run_cluster_scenario(std::uint64_t seed, const scenario_options& opts) {
  scenario_result res;
  auto fail = [&](std::string what) { res.failures.push_back(std::move(what)); };
  std::mt19937_64 script{seed * 0x2545f4914f6cdd1dull + 17};
  cluster_sim_config sc;
  sc.seed = seed;
  sc.faults.drop_rate = uniform(script, 0.01, opts.harsh ? 0.20 : 0.08);
  sc.faults.duplicate_rate = uniform(script, 0.01, opts.harsh ? 0.10 : 0.05);
  sc.faults.delay_rate = uniform(script, 0.05, opts.harsh ? 0.50 : 0.25);
  sc.faults.max_delay_ms = (opts.harsh ? 5 : 3) * sc.tick.count();
  cluster_sim sim{sc};
  auto& cl = sim.cluster();
  auto log = std::make_shared<sim_producer_log>();
  sim_producer_config pc;
  pc.nodes = cl.ids();
  pc.node = [&cl](std::int64_t id) { return cl.node(id); };
  if (!opts.idempotent)
    pc.producer_id = -1;
  auto producer = spawn_sim_producer(sim.system(), pc, log);

  // Faults beyond the random ones start once both partitions take writes.
  auto first_acks = [&] { return log->groups.size() == 2 && log->acked(0) > 0 && log->acked(1) > 0; };
  if (!sim.run_until(first_acks, 15s))
    fail("no batch acknowledged on both partitions within 15 s of virtual time");
  std::vector<std::int64_t> crashes;
  if (res.failures.empty())
    run_fault_script(sim, script, opts.fault_rounds, pc, *log, crashes, res.failures);

  // Settle: the producer gets its last batches acknowledged and the
  // replicas converge; safety is checked on every round.
  bool settled = false;
  for (auto deadline = sim.now() + 30s; !settled && sim.now() < deadline && res.failures.empty();) {
    sim.run_for(250ms);
    settled = log->settled() && check_replica_logs(sim, pc, *log, res.failures, false);
  }
  if (res.failures.empty() && !settled) {
    check_replica_logs(sim, pc, *log, res.failures, true);
    fail("the cluster did not settle within 30 s of virtual time after the faults calmed"
         + std::string(log->settled() ? "" : " (a batch is still unacknowledged)"));
  }
  for (auto& v : sim.checker().violations())
    fail("raft: " + v);
  if (!sim.within_budget())
    fail("step budget spent");

  res.sim = sim.stats();
  res.faults = sim.faults().stats();
  res.figures = figures(sim, *log, crashes);
  auto mix = [&](std::size_t v) { res.digest = (res.digest ^ v) * 1099511628211ull; };
  mix(res.sim.steps);
  mix(res.sim.timer_jumps);
  mix(res.faults.dropped);
  mix(log->sends);
  for (auto& bs : log->batches)
    for (auto& b : bs)
      mix(static_cast<std::size_t>(b.base_offset) * 31 + static_cast<std::size_t>(b.sends));
  if (!sim.shutdown({producer}))
    fail("some actors were still alive after the shutdown");
  return res;
}

} // namespace rivulet::testing
