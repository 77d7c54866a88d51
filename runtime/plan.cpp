#include "runtime/plan.hpp"

#include <sstream>
#include <stdexcept>

namespace rivulet {

namespace {

std::vector<std::vector<int>> consumers_of(const job_graph& g) {
  std::vector<std::vector<int>> out(g.nodes().size());
  for (auto& n : g.nodes())
    for (auto& e : n.inputs)
      out.at(static_cast<std::size_t>(e.from)).push_back(n.id);
  return out;
}

} // namespace

physical_plan make_plan(const job_graph& g, const job_config& cfg) {
  physical_plan p;
  auto& nodes = g.nodes();
  auto consumers = consumers_of(g);
  int default_p = cfg.effective_parallelism();
  p.node_parallelism.resize(nodes.size());
  for (auto& n : nodes) {
    if (n.kind == node_kind::source && !n.inputs.empty())
      throw std::invalid_argument("source '" + n.name + "' cannot have inputs");
    if (n.kind != node_kind::source && n.inputs.empty())
      throw std::invalid_argument("operator '" + n.name + "' has no input");
    int par = n.parallelism > 0 ? n.parallelism : default_p;
    if (n.parallelism == 0 && n.inherits_parallelism && !n.inputs.empty())
      par = p.node_parallelism[static_cast<std::size_t>(n.inputs.front().from)];
    p.node_parallelism[static_cast<std::size_t>(n.id)] = par;
  }
  // Chaining: a node joins its producer's task when it has one forward
  // input from a producer of equal parallelism that feeds nobody else.
  std::vector<int> task_of(nodes.size(), -1);
  for (auto& n : nodes) {
    auto id = static_cast<std::size_t>(n.id);
    bool chain = false;
    if (cfg.chaining && n.inputs.size() == 1) {
      auto& in = n.inputs[0];
      auto from = static_cast<std::size_t>(in.from);
      chain = in.kind == partitioning::forward && in.port == 0 && consumers[from].size() == 1
              && p.node_parallelism[from] == p.node_parallelism[id];
    }
    if (chain) {
      int t = task_of[static_cast<std::size_t>(n.inputs[0].from)];
      task_of[id] = t;
      p.tasks[static_cast<std::size_t>(t)].chain.push_back(n.id);
      continue;
    }
    physical_task t;
    t.id = static_cast<int>(p.tasks.size());
    t.chain.push_back(n.id);
    t.parallelism = p.node_parallelism[id];
    t.is_source = n.kind == node_kind::source;
    task_of[id] = t.id;
    p.tasks.push_back(std::move(t));
  }
  for (auto& t : p.tasks) {
    std::string name;
    for (auto id : t.chain)
      name += (name.empty() ? "" : " -> ") + g.node(id).name;
    t.name = name;
  }
  // Edges into each task's head, in the head's input order.
  for (auto& t : p.tasks) {
    auto& head = g.node(t.chain.front());
    if (t.is_source)
      continue;
    std::size_t base = 0;
    for (auto& in : head.inputs) {
      physical_edge e;
      e.from_task = task_of[static_cast<std::size_t>(in.from)];
      e.to_task = t.id;
      e.kind = in.kind;
      // A forward edge between different parallelisms cannot pair
      // instances one to one; spread round-robin instead, as Flink does.
      if (e.kind == partitioning::forward
          && p.tasks[static_cast<std::size_t>(e.from_task)].parallelism != t.parallelism)
        e.kind = partitioning::rebalance;
      e.edge = &in;
      e.in_base = base;
      e.port = in.port;
      int id = static_cast<int>(p.edges.size());
      p.edges.push_back(e);
      base += p.fan_in(p.edges.back());
      t.in_edges.push_back(id);
      p.tasks[static_cast<std::size_t>(e.from_task)].out_edges.push_back(id);
    }
  }
  return p;
}

std::size_t physical_plan::fan_out(const physical_edge& e) const {
  if (e.kind == partitioning::forward)
    return 1;
  return static_cast<std::size_t>(tasks[static_cast<std::size_t>(e.to_task)].parallelism);
}

std::size_t physical_plan::fan_in(const physical_edge& e) const {
  if (e.kind == partitioning::forward)
    return 1;
  return static_cast<std::size_t>(tasks[static_cast<std::size_t>(e.from_task)].parallelism);
}

std::size_t physical_plan::in_channels(int task) const {
  std::size_t n = 0;
  for (auto id : tasks[static_cast<std::size_t>(task)].in_edges)
    n += fan_in(edges[static_cast<std::size_t>(id)]);
  return n;
}

std::size_t physical_plan::out_base(int task, int edge_id) const {
  std::size_t base = 0;
  for (auto id : tasks[static_cast<std::size_t>(task)].out_edges) {
    if (id == edge_id)
      return base;
    base += fan_out(edges[static_cast<std::size_t>(id)]);
  }
  throw std::logic_error("edge is not an output of the task");
}

std::vector<channel_end> physical_plan::out_routes(int task, int instance) const {
  std::vector<channel_end> routes;
  for (auto id : tasks[static_cast<std::size_t>(task)].out_edges) {
    auto& e = edges[static_cast<std::size_t>(id)];
    if (e.kind == partitioning::forward) {
      routes.push_back({e.to_task, instance, e.in_base});
      continue;
    }
    for (std::size_t k = 0; k < fan_out(e); ++k)
      routes.push_back({e.to_task, static_cast<int>(k), e.in_base + static_cast<std::size_t>(instance)});
  }
  return routes;
}

std::vector<channel_end> physical_plan::in_routes(int task, int instance) const {
  std::vector<channel_end> routes;
  for (auto id : tasks[static_cast<std::size_t>(task)].in_edges) {
    auto& e = edges[static_cast<std::size_t>(id)];
    auto base = out_base(e.from_task, id);
    if (e.kind == partitioning::forward) {
      routes.push_back({e.from_task, instance, base});
      continue;
    }
    for (std::size_t j = 0; j < fan_in(e); ++j)
      routes.push_back({e.from_task, static_cast<int>(j), base + static_cast<std::size_t>(instance)});
  }
  return routes;
}

std::string physical_plan::explain(const job_graph& g) const {
  std::ostringstream os;
  os << "physical plan: " << tasks.size() << " task(s), " << edges.size() << " exchange(s)\n";
  for (auto& t : tasks) {
    os << "  task " << t.id << " [parallelism " << t.parallelism << "]: " << t.name;
    if (t.chain.size() > 1)
      os << "  (chained: " << t.chain.size() << " operators)";
    os << '\n';
    for (auto id : t.in_edges) {
      auto& e = edges[static_cast<std::size_t>(id)];
      os << "    <- task " << e.from_task << " via " << to_string(e.kind);
      if (e.port > 0)
        os << " (side output '" << g.node(tasks[static_cast<std::size_t>(e.from_task)].chain.back())
                                     .side_ports[static_cast<std::size_t>(e.port - 1)].tag << "')";
      os << '\n';
    }
  }
  return os.str();
}

std::string physical_plan::dot(const job_graph& g) const {
  std::ostringstream os;
  os << "digraph rivulet {\n  rankdir=LR;\n  node [shape=box];\n";
  for (auto& t : tasks) {
    os << "  t" << t.id << " [label=\"";
    for (std::size_t i = 0; i < t.chain.size(); ++i)
      os << (i ? "\\n" : "") << g.node(t.chain[i]).name;
    os << "\\nparallelism " << t.parallelism << "\"];\n";
  }
  for (auto& e : edges)
    os << "  t" << e.from_task << " -> t" << e.to_task << " [label=\"" << to_string(e.kind) << "\"];\n";
  os << "}\n";
  return os.str();
}

} // namespace rivulet
