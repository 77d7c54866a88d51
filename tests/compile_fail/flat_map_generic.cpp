// Must not compile: a generic flat_map lambda without the output type.
#include "runtime/datastream.hpp"

void build(rivulet::stream_environment& env) {
  env.from_collection(std::vector<int>{1}).flat_map([](const auto& x, auto& out) { out.collect(x); });
}
