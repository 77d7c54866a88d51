#include "runtime/job_graph.hpp"

#include <stdexcept>

namespace rivulet {

std::unique_ptr<source_link> node_impl::make_source(const instance_info& who, chain_link*,
                                                    const job_config&) const {
  throw std::logic_error("node '" + who.name + "' is not a source");
}

std::unique_ptr<chain_link> node_impl::make_link(const instance_info& who, chain_link*, const side_outputs&,
                                                 const job_config&) const {
  throw std::logic_error("node '" + who.name + "' is a source and takes no input");
}

const char* to_string(partitioning p) noexcept {
  switch (p) {
    case partitioning::forward:
      return "forward";
    case partitioning::hash:
      return "hash";
    case partitioning::rebalance:
      return "rebalance";
    case partitioning::broadcast:
      return "broadcast";
  }
  return "?";
}

} // namespace rivulet
