// Must not compile: the sink function cannot take the record type.
#include "runtime/datastream.hpp"

void build(rivulet::stream_environment& env) {
  env.from_collection(std::vector<std::string>{"a"}).sink([](int) {});
}
