#include "runtime/cluster/topic_table.hpp"

#include <algorithm>

#include "runtime/partitioner.hpp"

namespace rivulet::cluster {

namespace {

constexpr std::uint8_t command_version = 1;

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s.data(), s.size());
}

/// Bounds-checked big-endian reader; any short read sets `failed`.
struct reader {
  std::string_view in;
  bool failed = false;

  bool take(std::size_t n) {
    if (failed || in.size() < n) {
      failed = true;
      return false;
    }
    return true;
  }
  std::uint8_t u8() {
    if (!take(1))
      return 0;
    auto v = static_cast<std::uint8_t>(in[0]);
    in.remove_prefix(1);
    return v;
  }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = (v << 8) | u8();
    return v;
  }
  std::string str() {
    auto n = u16();
    if (!take(n))
      return {};
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

} // namespace

std::string encode(const command& c) {
  std::string out;
  out.push_back(static_cast<char>(command_version));
  out.push_back(static_cast<char>(c.type));
  put_str(out, c.topic);
  if (c.type == command::kind::create_topic) {
    put_u32(out, static_cast<std::uint32_t>(c.partitions));
    put_u16(out, static_cast<std::uint16_t>(c.replication_factor));
    put_u16(out, static_cast<std::uint16_t>(c.configs.size()));
    for (auto& [k, v] : c.configs) {
      put_str(out, k);
      put_str(out, v);
    }
  }
  return out;
}

std::optional<command> decode(std::string_view bytes, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<command> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  reader r{bytes};
  auto version = r.u8();
  if (!r.failed && version != command_version)
    return fail("controller command version " + std::to_string(version) + " is not supported");
  command c;
  auto kind = r.u8();
  if (!r.failed && kind != 1 && kind != 2)
    return fail("unknown controller command kind " + std::to_string(kind));
  c.type = static_cast<command::kind>(kind);
  c.topic = r.str();
  if (c.type == command::kind::create_topic) {
    c.partitions = static_cast<std::int32_t>(r.u32());
    c.replication_factor = static_cast<std::int16_t>(r.u16());
    auto n = r.u16();
    for (std::uint16_t i = 0; i < n && !r.failed; ++i) {
      auto k = r.str();
      c.configs[k] = r.str();
    }
  }
  if (r.failed)
    return fail("controller command truncated");
  if (!r.in.empty())
    return fail("controller command has " + std::to_string(r.in.size()) + " trailing bytes");
  return c;
}

std::string validate_topic_name(std::string_view name) {
  if (name.empty())
    return "topic name is empty";
  if (name.size() > 249)
    return "topic name is longer than 249 characters";
  if (name == "." || name == "..")
    return "topic name cannot be '.' or '..'";
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.'
              || ch == '_' || ch == '-';
    if (!ok)
      return "topic name '" + std::string(name) + "' has a character outside [A-Za-z0-9._-]";
  }
  return {};
}

std::string validate_create(const command& c, std::size_t node_count) {
  if (auto e = validate_topic_name(c.topic); !e.empty())
    return e;
  if (c.partitions < 1 || c.partitions > 10000)
    return "topic '" + c.topic + "': partitions must be in 1..10000, got " + std::to_string(c.partitions);
  if (c.replication_factor < 1 || static_cast<std::size_t>(c.replication_factor) > node_count)
    return "topic '" + c.topic + "': replication factor " + std::to_string(c.replication_factor)
           + " needs 1.." + std::to_string(node_count) + " (the cluster has " + std::to_string(node_count)
           + " nodes)";
  return {};
}

std::vector<std::int64_t> place_replicas(std::string_view topic, std::int32_t p, std::int16_t rf,
                                         const std::vector<std::int64_t>& nodes) {
  std::vector<std::int64_t> out;
  if (nodes.empty())
    return out;
  auto n = static_cast<std::int64_t>(nodes.size());
  auto start = static_cast<std::int64_t>(partition_for_key(topic, static_cast<std::int32_t>(n)));
  for (std::int16_t i = 0; i < rf && i < n; ++i)
    out.push_back(nodes[static_cast<std::size_t>((start + p + i) % n)]);
  return out;
}

topic_table::topic_table(std::vector<std::int64_t> nodes) : nodes_(std::move(nodes)) {
  std::sort(nodes_.begin(), nodes_.end());
}

std::string topic_table::apply(const command& c, std::int64_t offset) {
  applied_ = std::max(applied_, offset + 1);
  if (c.type == command::kind::delete_topic) {
    auto it = topics_.find(c.topic);
    if (it == topics_.end())
      return "topic '" + c.topic + "' does not exist";
    topics_.erase(it);
    return {};
  }
  if (auto e = validate_create(c, nodes_.size()); !e.empty())
    return e;
  if (topics_.count(c.topic))
    return "topic '" + c.topic + "' already exists";
  topic_entry t;
  t.name = c.topic;
  t.revision = offset;
  t.replication_factor = c.replication_factor;
  t.configs = c.configs;
  for (std::int32_t p = 0; p < c.partitions; ++p)
    t.partitions.push_back({p, next_group_++, place_replicas(c.topic, p, c.replication_factor, nodes_)});
  topics_.emplace(t.name, std::move(t));
  return {};
}

const topic_entry* topic_table::find(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const partition_assignment* topic_table::find_group(std::int64_t group, std::string* topic) const {
  for (auto& [name, t] : topics_)
    for (auto& p : t.partitions)
      if (p.group == group) {
        if (topic)
          *topic = name;
        return &p;
      }
  return nullptr;
}

} // namespace rivulet::cluster
