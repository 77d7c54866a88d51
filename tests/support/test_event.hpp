#pragma once

// A small record for event-time tests: a key, the event time the record
// carries in its payload, and a value.

#include <ostream>
#include <string>

#include "runtime/time.hpp"

namespace rivulet::testing {

struct test_event {
  std::string key;
  timestamp ts = 0;
  int value = 0;

  friend bool operator==(const test_event& a, const test_event& b) {
    return a.key == b.key && a.ts == b.ts && a.value == b.value;
  }
  friend std::ostream& operator<<(std::ostream& os, const test_event& e) {
    return os << '{' << e.key << ",ts=" << e.ts << ",v=" << e.value << '}';
  }
};

} // namespace rivulet::testing
