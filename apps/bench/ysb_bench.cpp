// The Yahoo Streaming Benchmark query, COST-style: a competent
// single-threaded loop against rivulet jobs doing the same work on the same
// generated events, in the same process, one after the other. Then the
// latency of window results with event time taken from the wall clock.

#include "apps/bench/ysb_bench.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "actors/environment.hpp"

namespace rivulet::bench {

namespace {

constexpr std::int64_t campaign_count = 100;
constexpr std::int64_t ads_per_campaign = 10;
constexpr std::int64_t ad_count = campaign_count * ads_per_campaign;
constexpr timestamp window_ms = 10'000;
/// Synthetic event time of the throughput runs: this many events per ms,
/// so a 10 s window holds 1,000,000 events (~333,000 views).
constexpr std::uint64_t events_per_ms = 100;
/// A multiple of the window size, so windows align with event time 0.
constexpr timestamp base_time_ms = 1'700'000'000'000;
constexpr std::uint64_t seed = 0x5eed'0000'4c59'5342;

enum event_type : std::uint32_t { view = 0, click = 1, purchase = 2 };

/// One ad event. Ids are 64-bit rather than YSB's 16-byte UUID strings.
struct ad_event {
  std::uint64_t user_id;
  std::uint64_t page_id;
  std::int64_t ad_id; // index into the ads table
  std::uint32_t ad_type;
  std::uint32_t event_type;
  timestamp event_time_ms;
};

/// The projection YSB keeps after the filter.
struct ad_view {
  std::int64_t ad_id;
  timestamp event_time_ms;
};

/// A view joined to its campaign.
struct campaign_view {
  std::int64_t campaign_id;
  timestamp event_time_ms;
};

using window_counts = windowed<std::int64_t, std::int64_t>;
/// Count per (campaign, window), keyed by window index * 128 + campaign.
using counts_t = std::unordered_map<std::uint64_t, std::int64_t>;

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Maps 32 random bits onto [0, n) without a division.
std::uint64_t below(std::uint64_t bits32, std::uint64_t n) noexcept {
  return (bits32 * n) >> 32;
}

/// Event `i`, a pure function of i. Out of line on purpose: the loop and
/// the rivulet source pay the same generation cost, and the loop cannot
/// drop the fields the query ignores.
[[gnu::noinline]] ad_event make_event(std::uint64_t i) {
  auto h1 = splitmix64(seed ^ (2 * i));
  auto h2 = splitmix64(seed ^ (2 * i + 1));
  ad_event e;
  e.user_id = h1;
  e.page_id = splitmix64(h1);
  e.ad_id = static_cast<std::int64_t>(below(h2 >> 32, ad_count));
  e.ad_type = static_cast<std::uint32_t>(below((h2 >> 16) & 0xffff'ffffu, 5));
  e.event_type = static_cast<std::uint32_t>(below(h2 & 0xffff'ffffu, 3));
  e.event_time_ms = base_time_ms + static_cast<timestamp>(i / events_per_ms);
  return e;
}

/// ad_id -> campaign_id: 10 ads per campaign, ads shuffled with a fixed seed.
std::vector<std::int64_t> make_ads_table() {
  std::vector<std::int64_t> table(ad_count);
  for (std::int64_t a = 0; a < ad_count; ++a)
    table[static_cast<std::size_t>(a)] = a / ads_per_campaign;
  for (std::size_t a = table.size() - 1; a > 0; --a)
    std::swap(table[a], table[splitmix64(seed + a) % (a + 1)]);
  return table;
}

std::uint64_t counts_key(std::int64_t campaign, timestamp window_start_ms) {
  return static_cast<std::uint64_t>(window_start_ms / window_ms) * 128 + static_cast<std::uint64_t>(campaign);
}

/// The baseline: one thread, no framework, the same five steps.
counts_t loop_count(std::uint64_t n, const std::vector<std::int64_t>& campaign_of) {
  counts_t counts;
  counts.reserve(static_cast<std::size_t>(campaign_count) * (n / events_per_ms / window_ms + 2));
  for (std::uint64_t i = 0; i < n; ++i) {
    ad_event e = make_event(i);
    if (e.event_type != view)
      continue;
    ad_view v{e.ad_id, e.event_time_ms};
    campaign_view c{campaign_of[static_cast<std::size_t>(v.ad_id)], v.event_time_ms};
    ++counts[counts_key(c.campaign_id, window_start(c.event_time_ms, 0, window_ms))];
  }
  return counts;
}

/// The YSB query on `events`, up to the window counts.
data_stream<window_counts> ysb_query(data_stream<ad_event> events, const std::vector<std::int64_t>& campaign_of) {
  const std::int64_t* table = campaign_of.data();
  auto strategy = watermark_strategy<campaign_view>::monotonic_timestamps().with_timestamp_assigner(
    [](const campaign_view& c) { return c.event_time_ms; });
  return events.filter([](const ad_event& e) { return e.event_type == view; })
    .name("filter views")
    .map([](const ad_event& e) { return ad_view{e.ad_id, e.event_time_ms}; })
    .name("project")
    .map([table](const ad_view& v) { return campaign_view{table[v.ad_id], v.event_time_ms}; })
    .name("join campaign")
    .assign_timestamps_and_watermarks(strategy)
    .key_by([](const campaign_view& c) { return c.campaign_id; })
    .window(windows::tumbling_event_time{std::chrono::milliseconds(window_ms)})
    .count()
    .name("10s window count");
}

job_config bench_config(int parallelism) {
  job_config cfg;
  cfg.mode = runtime_mode::streaming;
  cfg.parallelism = parallelism;
  cfg.threads = parallelism;
  return cfg;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct run_figures {
  double seconds = 0;
  bool matches = false;
};

run_figures run_rivulet(std::uint64_t n, int parallelism, const std::vector<std::int64_t>& campaign_of,
                        const counts_t& expected, std::string* plan_text) {
  environment env{bench_config(parallelism)};
  auto results = ysb_query(env.from_generator(n, [](std::uint64_t i) { return make_event(i); }).name("ad events"), campaign_of).collect();
  if (plan_text)
    *plan_text = env.plan().explain(env.graph());
  auto t0 = std::chrono::steady_clock::now();
  auto result = env.execute("bench ysb p" + std::to_string(parallelism));
  run_figures f;
  f.seconds = seconds_since(t0);
  if (!result.ok()) {
    std::fprintf(stderr, "rivulet-bench: job failed: %s\n", result.error.c_str());
    return f;
  }
  counts_t got;
  std::int64_t got_sum = 0, expected_sum = 0;
  bool unique = true;
  for (auto& r : results.get()) {
    unique = got.emplace(counts_key(r.key, r.window.start), r.value).second && unique;
    got_sum += r.value;
  }
  for (auto& [key, count] : expected)
    expected_sum += count;
  f.matches = unique && got == expected && got_sum == expected_sum;
  return f;
}

// --- latency: event time is the wall clock ---------------------------------

/// Shared by the generator copies of one latency job.
struct wall_clock_shared {
  std::uint64_t rate_eps = 0; // 0 = full speed
  int parallelism = 1;
  std::atomic<std::int64_t> start_ns{0};
  /// Latest event time each source instance stamped (read after the job).
  struct alignas(64) slot {
    std::atomic<timestamp> last_ms{min_watermark};
  };
  std::array<slot, 2> last;
};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

double system_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// make_event with event_time = system_clock ms, read every 256 events; with
/// a rate, sleeps until event i's slot (start + i / rate) in that same step.
/// One copy per source instance (from_generator copies it).
struct wall_clock_generator {
  std::shared_ptr<wall_clock_shared> shared;
  std::uint32_t since_clock = 256;
  timestamp now_ms = 0;

  ad_event operator()(std::uint64_t i) {
    if (++since_clock >= 256) {
      since_clock = 0;
      refresh(i);
    }
    ad_event e = make_event(i);
    e.event_time_ms = now_ms;
    return e;
  }

  void refresh(std::uint64_t i) {
    auto& s = *shared;
    if (s.rate_eps > 0) {
      // The first refresh of any instance starts the schedule.
      auto start = s.start_ns.load();
      if (start == 0) {
        auto t = steady_ns();
        start = s.start_ns.compare_exchange_strong(start, t) ? t : start;
      }
      auto now = steady_ns();
      auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / static_cast<double>(s.rate_eps));
      if (due > now)
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    }
    now_ms = static_cast<timestamp>(system_ms());
    s.last[i % static_cast<std::uint64_t>(s.parallelism)].last_ms.store(now_ms, std::memory_order_relaxed);
  }
};

struct latency_figures {
  bool ok = false;
  std::uint64_t events = 0;
  double seconds = 0;
  std::vector<double> latencies_ms; // one per (campaign, window) closed by the watermark
  std::size_t windows_closed = 0;
};

latency_figures run_latency(std::uint64_t events, std::uint64_t rate_eps,
                            const std::vector<std::int64_t>& campaign_of) {
  constexpr int parallelism = 2;
  static_assert(parallelism <= std::tuple_size_v<decltype(wall_clock_shared::last)>);
  auto shared = std::make_shared<wall_clock_shared>();
  shared->rate_eps = rate_eps;
  shared->parallelism = parallelism;
  struct arrival {
    timestamp window_end_ms;
    double seen_ms;
  };
  auto log = std::make_shared<std::pair<std::mutex, std::vector<arrival>>>();
  environment env{bench_config(parallelism)};
  ysb_query(env.from_generator(events, wall_clock_generator{shared}).name("ad events (wall clock)"), campaign_of)
    .sink([log](const window_counts& r) {
      double seen = system_ms();
      std::lock_guard<std::mutex> lock(log->first);
      log->second.push_back({r.window.end, seen});
    })
    .name("latency sink");
  auto t0 = std::chrono::steady_clock::now();
  auto result = env.execute(rate_eps ? "bench ysb latency (rate limited)" : "bench ysb latency");
  latency_figures f;
  f.seconds = seconds_since(t0);
  f.events = events;
  f.ok = result.ok();
  if (!f.ok) {
    std::fprintf(stderr, "rivulet-bench: job failed: %s\n", result.error.c_str());
    return f;
  }
  // Only windows the watermark closed: every instance stamped an event at or
  // past the end. The rest fired early at end of input.
  timestamp closed_below = max_watermark;
  for (int i = 0; i < parallelism; ++i)
    closed_below = std::min(closed_below, shared->last[static_cast<std::size_t>(i)].last_ms.load());
  std::vector<timestamp> ends;
  for (auto& a : log->second) {
    if (a.window_end_ms > closed_below)
      continue;
    f.latencies_ms.push_back(a.seen_ms - static_cast<double>(a.window_end_ms));
    ends.push_back(a.window_end_ms);
  }
  std::sort(ends.begin(), ends.end());
  f.windows_closed = static_cast<std::size_t>(std::unique(ends.begin(), ends.end()) - ends.begin());
  std::sort(f.latencies_ms.begin(), f.latencies_ms.end());
  return f;
}

/// Nearest-rank percentile of sorted `v` (v not empty).
double percentile(const std::vector<double>& v, double p) {
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

/// The percentile as a JSON number, or null without results.
std::string json_percentile(const std::vector<double>& v, double p) {
  if (v.empty())
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", percentile(v, p));
  return buf;
}

void print_latency(const char* what, const latency_figures& f) {
  if (!f.ok) {
    std::printf("  %-34s job failed\n", what);
    return;
  }
  std::printf("  %-34s %12.0f events/s over %.1f s; ", what, static_cast<double>(f.events) / f.seconds, f.seconds);
  if (f.latencies_ms.empty()) {
    std::printf("no window closed (run for 20 s or more)\n");
    return;
  }
  std::printf("%zu results (%zu windows x campaigns): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              f.latencies_ms.size(), f.windows_closed, percentile(f.latencies_ms, 50),
              percentile(f.latencies_ms, 99), f.latencies_ms.back());
}

struct throughput_figures {
  double loop_eps = 0, p1_eps = 0, p2_eps = 0;
  bool results_match = true;
};

/// Loop, rivulet p1, rivulet p2, each best of `repeats`; prints the table.
throughput_figures measure_throughput(const ysb_options& opts, const std::vector<std::int64_t>& campaign_of) {
  auto n = opts.events;
  double loop_s = 1e300, p1_s = 1e300, p2_s = 1e300;
  throughput_figures f;
  counts_t expected;
  std::string plan_text;
  for (int r = 0; r < opts.repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    expected = loop_count(n, campaign_of);
    loop_s = std::min(loop_s, seconds_since(t0));
    auto p1 = run_rivulet(n, 1, campaign_of, expected, nullptr);
    auto p2 = run_rivulet(n, 2, campaign_of, expected, r == 0 ? &plan_text : nullptr);
    f.results_match = f.results_match && p1.matches && p2.matches;
    p1_s = std::min(p1_s, p1.seconds);
    p2_s = std::min(p2_s, p2.seconds);
  }
  std::int64_t views = 0;
  for (auto& [key, count] : expected)
    views += count;
  std::printf("\nrivulet plan at parallelism 2:\n%s", plan_text.c_str());

  auto events = static_cast<double>(n);
  f.loop_eps = events / loop_s;
  f.p1_eps = events / p1_s;
  f.p2_eps = events / p2_s;
  std::printf("\nysb throughput, %llu events (%lld views, %zu campaign-windows), best of %d\n",
              static_cast<unsigned long long>(n), static_cast<long long>(views), expected.size(), opts.repeats);
  std::printf("  %-28s %14s %10s\n", "run", "events/s", "vs loop");
  std::printf("  %-28s %14.0f %10.2f\n", "hand-written loop (1 thread)", f.loop_eps, 1.0);
  std::printf("  %-28s %14.0f %10.2f\n", "rivulet parallelism 1", f.p1_eps, f.p1_eps / f.loop_eps);
  std::printf("  %-28s %14.0f %10.2f\n", "rivulet parallelism 2", f.p2_eps, f.p2_eps / f.loop_eps);
  std::printf("  results equal: %s (per campaign and window, and in sum)\n", f.results_match ? "yes" : "NO");
  std::printf("  reference on this machine kind: hand-written loop ~17M events/s, WindFlow ~7.2M events/s "
              "(not measured here;\n  absolute events/s depend on the event generator and record layout, so "
              "compare ratios to the loop)\n");
  std::printf("  rivulet times include starting the actor system and the job; events are generated by the\n"
              "  same out-of-line make_event() on both sides.\n");
  return f;
}

void print_latency_notes() {
  std::printf(
    "  latency = time the sink sees a (campaign, window) count - the window's end in wall-clock ms. It\n"
    "  includes waiting for the first event at or past the end, the source's clock read every 256 events,\n"
    "  the source step (1024 records per instance) the event is in, batching (batch_size 1024, linger\n"
    "  2 ms), the watermark reaching the window operator from both source instances, firing and delivery\n"
    "  to the sink (chained). The rate-limited source paces by sleeping inside the generator, which holds\n"
    "  a scheduler thread while it sleeps. Windows fired early by end of input are left out. No external\n"
    "  source or sink (Kafka, Redis) as in the original YSB. Percentiles are over few windows: the 100\n"
    "  results of one window close in one burst.\n");
}

void print_json(const ysb_options& opts, const throughput_figures& t, const latency_figures& full,
                const latency_figures& limited) {
  std::printf("{\"bench\":\"ysb\",\"events\":%llu,\"loop_eps\":%.0f,\"p1_eps\":%.0f,\"p2_eps\":%.0f,"
              "\"ratio_p1\":%.3f,\"ratio_p2\":%.3f,\"results_match\":%s,"
              "\"p50_latency_ms\":%s,\"p99_latency_ms\":%s,"
              "\"p50_latency_ms_rate_limited\":%s,\"p99_latency_ms_rate_limited\":%s,"
              "\"latency_results\":%zu,\"latency_results_rate_limited\":%zu,\"rate_eps\":%llu,"
              "\"latency_seconds\":%llu,\"events_per_ms\":%llu,\"window_ms\":%lld,\"repeats\":%d}\n",
              static_cast<unsigned long long>(opts.events), t.loop_eps, t.p1_eps, t.p2_eps, t.p1_eps / t.loop_eps,
              t.p2_eps / t.loop_eps, t.results_match ? "true" : "false",
              json_percentile(full.latencies_ms, 50).c_str(), json_percentile(full.latencies_ms, 99).c_str(),
              json_percentile(limited.latencies_ms, 50).c_str(), json_percentile(limited.latencies_ms, 99).c_str(),
              full.latencies_ms.size(), limited.latencies_ms.size(),
              static_cast<unsigned long long>(opts.rate_eps), static_cast<unsigned long long>(opts.latency_seconds),
              static_cast<unsigned long long>(events_per_ms), static_cast<long long>(window_ms), opts.repeats);
}

} // namespace

int ysb(const ysb_options& opts) {
  auto campaign_of = make_ads_table();
  std::printf("ysb: %llu events, %lld campaigns x %lld ads, 10 s event-time tumbling windows\n",
              static_cast<unsigned long long>(opts.events), static_cast<long long>(campaign_count),
              static_cast<long long>(ads_per_campaign));
  std::printf("  throughput runs: synthetic event time, %llu events per ms (%llu events per window), "
              "~1/3 views; best of %d\n",
              static_cast<unsigned long long>(events_per_ms),
              static_cast<unsigned long long>(events_per_ms * window_ms), opts.repeats);
  auto t = measure_throughput(opts, campaign_of);

  bool ok = t.results_match;
  latency_figures full, limited;
  if (opts.latency_seconds > 0) {
    // Full speed: as many events as p2 made in that time on synthetic time.
    auto full_events = static_cast<std::uint64_t>(t.p2_eps * static_cast<double>(opts.latency_seconds));
    std::printf("\nysb latency, rivulet parallelism 2, event time = wall clock (~%llu s per run)...\n",
                static_cast<unsigned long long>(opts.latency_seconds));
    std::fflush(stdout);
    full = run_latency(full_events, 0, campaign_of);
    limited = run_latency(opts.rate_eps * opts.latency_seconds, opts.rate_eps, campaign_of);
    ok = ok && full.ok && limited.ok;
    print_latency("full speed:", full);
    std::string what = "rate limited (" + std::to_string(opts.rate_eps) + " events/s):";
    print_latency(what.c_str(), limited);
    print_latency_notes();
  }
  print_json(opts, t, full, limited);
  return ok ? 0 : 1;
}

} // namespace rivulet::bench
