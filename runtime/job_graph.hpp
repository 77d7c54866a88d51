#pragma once

// The logical job graph the DataStream API builds: one node per operator
// as the user wrote it, edges carrying the partitioning chosen by the API
// (key_by, rebalance, broadcast or forward). The planner turns it into tasks.

#include <memory>
#include <string>
#include <vector>

#include "runtime/batch.hpp"
#include "runtime/collector.hpp"
#include "runtime/config.hpp"
#include "runtime/operator_error.hpp"
#include "runtime/output.hpp"
#include "runtime/side_output.hpp"

namespace rivulet {

/// Head of a source task: produces records into its chain when asked.
class source_link : public chain_link {
public:
  /// Emits up to `max_records` records; returns false once exhausted.
  virtual bool emit(std::size_t max_records) = 0;
};

/// The typed behaviour of one logical node, hidden behind virtual calls so
/// the graph, planner and task runtime stay untyped.
class node_impl {
public:
  virtual ~node_impl() = default;

  /// Sources: makes the source for one instance, emitting into `down`.
  virtual std::unique_ptr<source_link> make_source(const instance_info& who, chain_link* down,
                                                   const job_config& cfg) const;

  /// Operators and sinks: makes the link for one instance. Its results go
  /// to `down` (a collector of this node's output type; null for sinks),
  /// records for side outputs to `sides`.
  virtual std::unique_ptr<chain_link> make_link(const instance_info& who, chain_link* down,
                                                const side_outputs& sides, const job_config& cfg) const;

  /// Pushes every record of `b` (a batch of this node's input type) into
  /// `head`, a link this node made.
  virtual void drain(batch_base& b, chain_link& head) const = 0;

  /// A link copying this node's output to each of `outs`.
  virtual std::unique_ptr<chain_link> make_fanout(std::vector<chain_link*> outs) const = 0;

  /// A link dropping this node's output (nothing consumes it).
  virtual std::unique_ptr<chain_link> make_discard() const = 0;

  /// Called at the start of every attempt (collect sinks clear old results).
  virtual void reset() {}
};

enum class node_kind { source, operation, sink };

struct logical_edge {
  int from = -1;
  partitioning kind = partitioning::forward;
  std::shared_ptr<const edge_writer_factory> writer;
  /// 0: the producer's main output; p > 0: its side port p - 1.
  int port = 0;
};

struct logical_node {
  int id = -1;
  node_kind kind = node_kind::operation;
  std::string name;
  /// 0 = the job's default (or the input's, see below).
  int parallelism = 0;
  /// Without an explicit parallelism, take the first input's: operators
  /// that should chain to their producer (watermark generators).
  bool inherits_parallelism = false;
  std::vector<logical_edge> inputs;
  std::shared_ptr<node_impl> impl;
  /// Side outputs someone asked for, in port order (port = index + 1).
  std::vector<side_port> side_ports;
};

/// Nodes in creation order, which is a topological order: the API only
/// lets a node consume nodes created before it.
class job_graph {
public:
  int add(logical_node node) {
    node.id = static_cast<int>(nodes_.size());
    nodes_.push_back(std::move(node));
    return nodes_.back().id;
  }
  logical_node& node(int id) {
    return nodes_.at(static_cast<std::size_t>(id));
  }
  const logical_node& node(int id) const {
    return nodes_.at(static_cast<std::size_t>(id));
  }
  const std::vector<logical_node>& nodes() const noexcept {
    return nodes_;
  }
  /// Clears per-attempt state of every node.
  void reset() const {
    for (auto& n : nodes_)
      n.impl->reset();
  }

private:
  std::vector<logical_node> nodes_;
};

} // namespace rivulet
