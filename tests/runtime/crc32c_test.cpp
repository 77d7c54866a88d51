#include "runtime/crc32c.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using rivulet::crc32c;
using rivulet::detail::crc32c_hw;
using rivulet::detail::crc32c_hw_available;
using rivulet::detail::crc32c_sw;

namespace {

using crc_fn = std::uint32_t (*)(const void*, std::size_t, std::uint32_t) noexcept;

// Every implementation this machine can run, with a name for messages.
std::vector<std::pair<const char*, crc_fn>> implementations() {
  std::vector<std::pair<const char*, crc_fn>> fns{{"crc32c", &crc32c}, {"sw", &crc32c_sw}};
  if (crc32c_hw_available())
    fns.emplace_back("hw", &crc32c_hw);
  return fns;
}

std::vector<unsigned char> random_bytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<unsigned char> v(n);
  for (auto& b : v)
    b = static_cast<unsigned char>(byte(rng));
  return v;
}

} // namespace

TEST_CASE("crc32c matches the published check values", "[runtime]") {
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xff), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  std::string digits = "123456789";
  for (auto [name, fn] : implementations()) {
    INFO(name);
    CHECK(fn(digits.data(), digits.size(), 0) == 0xE3069283u);
    // RFC 3720 (iSCSI) appendix B.4.
    CHECK(fn(zeros.data(), zeros.size(), 0) == 0x8A9136AAu);
    CHECK(fn(ones.data(), ones.size(), 0) == 0x62A8AB43u);
    CHECK(fn(up.data(), up.size(), 0) == 0x46DD794Eu);
    CHECK(fn(down.data(), down.size(), 0) == 0x113FDB5Cu);
    CHECK(fn(nullptr, 0, 0) == 0u);
    CHECK(fn(nullptr, 0, 0xE3069283u) == 0xE3069283u);
  }
}

TEST_CASE("crc32c continued over a split equals crc32c of the whole", "[runtime]") {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 200; ++round) {
    auto n = std::uniform_int_distribution<std::size_t>(0, 2000)(rng);
    auto data = random_bytes(rng, n);
    auto cut = std::uniform_int_distribution<std::size_t>(0, n)(rng);
    for (auto [name, fn] : implementations()) {
      INFO(name << " n=" << n << " cut=" << cut);
      auto whole = fn(data.data(), n, 0);
      auto first = fn(data.data(), cut, 0);
      CHECK(fn(data.data() + cut, n - cut, first) == whole);
    }
  }
}

TEST_CASE("crc32c continued byte by byte equals crc32c of the whole", "[runtime]") {
  std::mt19937 rng(7);
  auto data = random_bytes(rng, 100);
  for (auto [name, fn] : implementations()) {
    INFO(name);
    std::uint32_t crc = 0;
    for (auto b : data)
      crc = fn(&b, 1, crc);
    CHECK(crc == fn(data.data(), data.size(), 0));
  }
}

TEST_CASE("hardware and software crc32c agree on every length and alignment", "[runtime]") {
  if (!crc32c_hw_available()) {
    WARN("no SSE4.2 on this machine or build: only the software path is tested");
    return;
  }
  std::mt19937 rng(42);
  auto buffer = random_bytes(rng, 70000);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n)
    lengths.push_back(n);
  // Around the three-way blocks: 3 x 256 and 3 x 8192 bytes.
  for (std::size_t n : {767, 768, 769, 1023, 1024, 1025, 1535, 1536, 4096, 24575, 24576, 24577, 24576 + 768 + 7,
                        49152, 65536, 65537, 69983})
    lengths.push_back(n);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (auto n : lengths) {
      const unsigned char* p = buffer.data() + offset;
      auto seed = static_cast<std::uint32_t>(rng());
      INFO("offset=" << offset << " n=" << n << " seed=" << seed);
      REQUIRE(crc32c_hw(p, n, 0) == crc32c_sw(p, n, 0));
      REQUIRE(crc32c_hw(p, n, seed) == crc32c_sw(p, n, seed));
    }
  }
}
