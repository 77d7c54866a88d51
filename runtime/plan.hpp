#pragma once

// The physical plan: logical nodes fused into tasks (chaining), each task
// run as `parallelism` instances, tasks joined by edges whose channels
// connect sender and receiver instances.

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/job_graph.hpp"

namespace rivulet {

struct physical_edge {
  int from_task = -1;
  int to_task = -1;
  partitioning kind = partitioning::forward;
  /// The logical edge (on the receiving head node) this edge realizes.
  const logical_edge* edge = nullptr;
  /// First input channel of this edge at every receiving instance.
  std::size_t in_base = 0;
  /// Output port of the sending chain's tail node (0 = main output).
  int port = 0;
};

struct physical_task {
  int id = -1;
  /// Logical node ids, upstream first; chain[0] is the head.
  std::vector<int> chain;
  int parallelism = 1;
  std::string name;
  bool is_source = false;
  std::vector<int> in_edges;
  std::vector<int> out_edges;
};

/// One end of a channel: which task instance, and its channel index there.
struct channel_end {
  int task = -1;
  int instance = -1;
  std::size_t channel = 0;
};

class physical_plan {
public:
  std::vector<physical_task> tasks;
  std::vector<physical_edge> edges;
  /// Resolved parallelism of every logical node.
  std::vector<int> node_parallelism;

  /// Receiving instances a sender reaches over `e` (1 for forward).
  std::size_t fan_out(const physical_edge& e) const;
  /// Sending instances a receiver hears from over `e` (1 for forward).
  std::size_t fan_in(const physical_edge& e) const;

  std::size_t in_channels(int task) const;
  /// For each output channel of (task, instance): where it arrives.
  std::vector<channel_end> out_routes(int task, int instance) const;
  /// For each input channel of (task, instance): who sends on it, and that
  /// sender's output channel (where credits go back to).
  std::vector<channel_end> in_routes(int task, int instance) const;
  /// First output channel of edge `edge_id` at a sender of task `task`.
  std::size_t out_base(int task, int edge_id) const;

  /// Human-readable plan: tasks, parallelism, chains and exchanges.
  std::string explain(const job_graph& g) const;
  /// The same as a Graphviz digraph.
  std::string dot(const job_graph& g) const;
};

/// Plans `g` under `cfg`. Throws std::invalid_argument with a message naming
/// the operator when the graph cannot run (e.g. a node with no input).
physical_plan make_plan(const job_graph& g, const job_config& cfg);

} // namespace rivulet
