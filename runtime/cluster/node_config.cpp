#include "runtime/cluster/node_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rivulet::cluster {

namespace {

std::string trim(std::string s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool parse_int(const std::string& s, std::int64_t& out) {
  if (s.empty())
    return false;
  std::size_t used = 0;
  try {
    out = std::stoll(s, &used);
  } catch (...) {
    return false;
  }
  return used == s.size();
}

} // namespace

const node_address* node_config::find(std::int64_t node) const {
  for (auto& n : nodes)
    if (n.id == node)
      return &n;
  return nullptr;
}

const node_address* node_config::self() const {
  return find(id);
}

const node_address* node_config::kafka_self() const {
  for (auto& n : kafka)
    if (n.id == id)
      return &n;
  return nullptr;
}

std::vector<std::int64_t> node_config::node_ids() const {
  std::vector<std::int64_t> ids;
  for (auto& n : nodes)
    ids.push_back(n.id);
  return ids;
}

std::optional<std::vector<node_address>> parse_node_list(const std::string& text, std::string& error) {
  std::vector<node_address> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (item.empty())
      continue;
    auto at = item.find('@');
    auto colon = item.rfind(':');
    std::int64_t id = 0;
    std::int64_t port = 0;
    if (at == std::string::npos || colon == std::string::npos || colon < at
        || !parse_int(item.substr(0, at), id) || !parse_int(item.substr(colon + 1), port) || id <= 0
        || port <= 0 || port > 65535 || colon == at + 1) {
      error = "node '" + item + "' is not id@host:port (id > 0, port 1..65535)";
      return std::nullopt;
    }
    out.push_back({id, item.substr(at + 1, colon - at - 1), static_cast<std::uint16_t>(port)});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].id == out[i - 1].id) {
      error = "node id " + std::to_string(out[i].id) + " appears twice";
      return std::nullopt;
    }
  if (out.empty()) {
    error = "no nodes given";
    return std::nullopt;
  }
  return out;
}

std::optional<node_config> parse_node_config(const std::string& text, std::string& error) {
  node_config cfg;
  std::stringstream in(text);
  std::string line;
  std::string section;
  int lineno = 0;
  bool have_nodes = false;
  auto fail = [&](const std::string& why) -> std::optional<node_config> {
    error = "line " + std::to_string(lineno) + ": " + why;
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    line = trim(line);
    if (line.empty())
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return fail("malformed section header '" + line + "'");
      section = trim(line.substr(1, line.size() - 2));
      if (section != "node" && section != "cluster")
        return fail("unknown section [" + section + "] (expected [node] or [cluster])");
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return fail("expected key = value, got '" + line + "'");
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    std::int64_t num = 0;
    auto need_int = [&](std::int64_t lo, std::int64_t hi) {
      return parse_int(value, num) && num >= lo && num <= hi;
    };
    auto where = "[" + section + "] " + key;
    if (section == "node" && key == "id") {
      if (!need_int(1, INT64_MAX))
        return fail(where + " must be a positive integer, got '" + value + "'");
      cfg.id = num;
    } else if (section == "node" && key == "data_dir") {
      if (value.empty())
        return fail(where + " is empty");
      cfg.data_dir = value;
    } else if (section == "cluster" && key == "nodes") {
      std::string why;
      auto nodes = parse_node_list(value, why);
      if (!nodes)
        return fail(where + ": " + why);
      cfg.nodes = std::move(*nodes);
      have_nodes = true;
    } else if (section == "cluster" && key == "kafka") {
      std::string why;
      auto listeners = parse_node_list(value, why);
      if (!listeners)
        return fail(where + ": " + why);
      cfg.kafka = std::move(*listeners);
    } else if (section == "cluster" && key == "tick_ms") {
      if (!need_int(1, 60000))
        return fail(where + " must be 1..60000, got '" + value + "'");
      cfg.tick = std::chrono::milliseconds(num);
    } else if (section == "cluster" && key == "request_timeout_ms") {
      if (!need_int(1, 600000))
        return fail(where + " must be 1..600000, got '" + value + "'");
      cfg.request_timeout = std::chrono::milliseconds(num);
    } else if (section == "cluster" && key == "offsets_partitions") {
      if (!need_int(1, 1000))
        return fail(where + " must be 1..1000, got '" + value + "'");
      cfg.offsets_partitions = static_cast<std::int32_t>(num);
    } else if (section == "cluster" && key == "fsync") {
      if (value == "every_batch")
        cfg.fsync = fsync_policy::every_batch;
      else if (value == "interval")
        cfg.fsync = fsync_policy::interval;
      else if (value == "never")
        cfg.fsync = fsync_policy::never;
      else
        return fail(where + " must be every_batch, interval or never, got '" + value + "'");
    } else if (section.empty()) {
      return fail("key '" + key + "' outside a section");
    } else {
      return fail("unknown key " + where);
    }
  }
  lineno = 0;
  if (cfg.id == 0)
    return fail("[node] id is missing");
  if (cfg.data_dir.empty())
    return fail("[node] data_dir is missing");
  if (!have_nodes)
    return fail("[cluster] nodes is missing");
  if (!cfg.self())
    return fail("node id " + std::to_string(cfg.id) + " is not in [cluster] nodes");
  for (auto& k : cfg.kafka)
    if (!cfg.find(k.id))
      return fail("[cluster] kafka names node " + std::to_string(k.id) + ", which is not in [cluster] nodes");
  return cfg;
}

std::optional<node_config> load_node_config(const std::string& path, std::string& error) {
  std::ifstream f(path);
  if (!f) {
    error = path + ": cannot open";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << f.rdbuf();
  auto cfg = parse_node_config(buf.str(), error);
  if (!cfg)
    error = path + ": " + error;
  return cfg;
}

} // namespace rivulet::cluster
