#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/format.hpp"
#include "runtime/serialization.hpp"

namespace {

struct click {
  std::string user;
  std::int64_t ts = 0;
  std::vector<int> tags;

  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar & user & ts & tags;
  }
  bool operator==(const click& o) const {
    return user == o.user && ts == o.ts && tags == o.tags;
  }
};

} // namespace

TEST_CASE("a record type with serialize() round-trips through bytes", "[runtime][serialization]") {
  click c{"ada", 1234567890123, {1, 2, 3}};
  auto bytes = rivulet::encode_record(c);
  CHECK(rivulet::decode_record<click>(bytes) == c);
  std::pair<std::string, std::int64_t> p{"word", 42};
  CHECK(rivulet::decode_record<std::pair<std::string, std::int64_t>>(rivulet::encode_record(p)) == p);
}

TEST_CASE("truncated record bytes raise an error instead of a garbage record", "[runtime][serialization]") {
  auto bytes = rivulet::encode_record(click{"someone", 1, {4, 5, 6, 7}});
  bytes.resize(bytes.size() / 2);
  CHECK_THROWS(rivulet::decode_record<click>(bytes));
}

TEST_CASE("records print as text, pairs and tuples in parentheses", "[runtime][format]") {
  std::ostringstream os;
  rivulet::format_to(os, std::make_pair(std::string("a"), 3));
  os << ' ';
  rivulet::format_to(os, std::make_tuple(1, std::string("x"), 2.5));
  CHECK(os.str() == "(a,3) (1,x,2.5)");
}
