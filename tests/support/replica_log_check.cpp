#include "tests/support/replica_log_check.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "actors/node_messages.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/records.hpp"

namespace rivulet::testing {

namespace {

using namespace std::chrono_literals;

/// One replica's committed records of a partition: (offset, value).
struct replica_log {
  bool ok = false;
  std::string error;
  std::vector<std::pair<std::int64_t, std::string>> records;
  std::vector<std::string> values() const {
    std::vector<std::string> out;
    for (auto& r : records)
      out.push_back(r.second);
    return out;
  }
};

replica_log read_replica(cluster_sim& sim, std::int64_t node, const std::string& topic, std::int32_t p) {
  replica_log out;
  std::int64_t offset = 0;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    actors::topic_fetch req{topic, p, actors::fetch_request{offset, 1 << 20, 0}};
    auto r = sim.ask<actors::fetch_reply>(sim.cluster().node(node), req, 300ms);
    if (!r || !r->ok) {
      out.error = r ? r->error : "no answer";
      return out;
    }
    if (r->batches.empty()) {
      out.ok = true;
      return out;
    }
    std::vector<io::kafka::read_record> recs;
    if (auto st = io::kafka::decode_batches(r->batches, offset, recs); !st.ok()) {
      out.error = st.to_string();
      return out;
    }
    for (auto& rec : recs)
      out.records.emplace_back(rec.offset, rec.value.value_or("<null>"));
    offset = io::kafka::next_offset(r->batches, offset);
  }
  out.error = "too many fetch rounds";
  return out;
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

/// The values of batches [0, n) of one partition, in production order.
std::vector<std::string> expected_values(const std::vector<sim_batch>& bs, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n && i < bs.size(); ++i)
    out.insert(out.end(), bs[i].values.begin(), bs[i].values.end());
  return out;
}

/// Why `log` is not the production order of `bs` (first difference).
std::string explain_order(const std::vector<std::string>& log, const std::vector<sim_batch>& bs,
                          std::size_t acked) {
  auto all = expected_values(bs, bs.size());
  std::map<std::string, int> seen;
  for (auto& v : log)
    if (++seen[v] == 2)
      return "value " + v + " appears twice";
  for (std::size_t i = 0; i < log.size(); ++i)
    if (i >= all.size() || log[i] != all[i])
      return "record " + std::to_string(i) + " is " + log[i] + ", expected "
             + (i < all.size() ? all[i] : std::string("nothing"));
  return "the log holds " + std::to_string(log.size()) + " records, the acknowledged batches "
         + std::to_string(expected_values(bs, acked).size());
}

/// The checks on one replica's log; false when it broke one (see
/// check_replica_logs), and `complete` says whether it holds every
/// acknowledged batch.
bool check_one(const std::string& who, const replica_log& rl, const std::vector<sim_batch>& bs, std::size_t acked,
               bool final_round, std::vector<std::string>& failures, bool& complete) {
  auto values = rl.values();
  // Production order = log order, nothing twice: the log is batches [0, n)
  // in order, for n the acknowledged batches or one more in flight.
  bool in_order = values == expected_values(bs, acked)
                  || (acked < bs.size() && values == expected_values(bs, acked + 1));
  complete = in_order;
  if (!in_order) {
    // A replica behind the others is fine until the cluster should have settled.
    if (final_round || !is_prefix(values, expected_values(bs, acked))) {
      failures.push_back(who + explain_order(values, bs, acked));
      return false;
    }
    return true;
  }
  // Every acknowledged batch is there, at the offsets its acknowledgement named.
  bool ok = true;
  std::size_t at = 0;
  for (std::size_t k = 0; k < acked; ++k) {
    auto& b = bs[k];
    auto first = rl.records[at].first;
    auto last = rl.records[at + b.values.size() - 1].first;
    if (first != b.base_offset || last != b.last_offset) {
      failures.push_back(who + "batch " + std::to_string(k) + " acknowledged at offsets "
                         + std::to_string(b.base_offset) + ".." + std::to_string(b.last_offset) + " but stored at "
                         + std::to_string(first) + ".." + std::to_string(last));
      ok = false;
    }
    at += b.values.size();
  }
  return ok;
}

} // namespace

bool check_replica_logs(cluster_sim& sim, const sim_producer_config& pc, const sim_producer_log& log,
                        std::vector<std::string>& failures, bool final_round) {
  bool settled = log.settled();
  for (std::int32_t p = 0; p < pc.partitions; ++p) {
    auto& bs = log.batches[static_cast<std::size_t>(p)];
    auto acked = log.acked(p);
    std::string part = "partition " + std::to_string(p) + ": ";
    std::vector<std::pair<std::int64_t, replica_log>> logs;
    for (auto id : pc.nodes) {
      auto r = read_replica(sim, id, pc.topic, p);
      if (!r.ok) {
        if (final_round)
          failures.push_back(part + "node " + std::to_string(id) + " could not be read: " + r.error);
        settled = false;
        continue;
      }
      logs.emplace_back(id, std::move(r));
    }
    for (auto& [id, rl] : logs) {
      std::string who = part + "node " + std::to_string(id) + ": ";
      // Committed logs never diverge: of two replicas, one's is a prefix of the other's.
      for (auto& [other, ol] : logs)
        if (!is_prefix(rl.values(), ol.values()) && !is_prefix(ol.values(), rl.values())) {
          failures.push_back(who + "committed log diverges from node " + std::to_string(other) + "'s");
          return false;
        }
      bool complete = false;
      if (!check_one(who, rl, bs, acked, final_round, failures, complete))
        return false;
      settled = settled && complete && rl.values() == logs.front().second.values();
    }
  }
  return settled;
}

} // namespace rivulet::testing
