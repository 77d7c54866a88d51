// Must not compile: map's function takes a type the stream does not carry.
#include "runtime/datastream.hpp"

void build(rivulet::stream_environment& env) {
  env.from_collection(std::vector<int>{1}).map([](const std::string& s) { return s.size(); });
}
