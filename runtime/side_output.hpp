#pragma once

// Side outputs: a second (third, ...) stream out of one operator, named by
// a typed tag. The window operator sends late records to one; process
// functions emit to any through their context.
//
//   rivulet::output_tag<click> late{"late-clicks"};
//   auto counts = clicks.key_by(...).window(...).side_output_late_data(late).count();
//   auto late_clicks = counts.get_side_output(late);   // a data_stream<click>

#include <memory>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "runtime/collector.hpp"

namespace rivulet {

/// Names a side output carrying records of type T.
template <class T>
struct output_tag {
  using value_type = T;
  std::string id;
};

/// The typed end of a side port: makes the link its records go to.
class side_port_impl {
public:
  virtual ~side_port_impl() = default;
  /// A link forwarding to `outs` (a fanout, the one link, or a discard).
  virtual std::unique_ptr<chain_link> make_tail(std::vector<chain_link*> outs) const = 0;
};

/// A side port of a logical node: tag id, record type, and its typed impl.
struct side_port {
  std::string tag;
  std::type_index type{typeid(void)};
  std::shared_ptr<const side_port_impl> impl;
};

/// The side output links of one operator instance, by tag. An operator
/// emitting to a tag nobody consumes gets null and drops the record.
class side_outputs {
public:
  void add(std::string tag, std::type_index type, chain_link* link) {
    ports_.push_back({std::move(tag), type, link});
  }

  template <class T>
  collector<T>* find(const output_tag<T>& tag) const {
    for (auto& p : ports_)
      if (p.tag == tag.id && p.type == std::type_index(typeid(T)))
        return static_cast<collector<T>*>(p.link);
    return nullptr;
  }

  /// Every side link, to pass control events (watermarks, end) along.
  template <class F>
  void for_each(F&& fn) const {
    for (auto& p : ports_)
      fn(*p.link);
  }

private:
  struct entry {
    std::string tag;
    std::type_index type;
    chain_link* link;
  };
  std::vector<entry> ports_;
};

} // namespace rivulet
