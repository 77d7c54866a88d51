// Must not compile: filter's predicate returns something that is not a bool.
#include "runtime/datastream.hpp"

void build(rivulet::stream_environment& env) {
  env.from_collection(std::vector<int>{1}).filter([](int x) { return std::to_string(x); });
}
