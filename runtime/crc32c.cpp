#include "runtime/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RIVULET_CRC32C_X86 1
#include <nmmintrin.h>
#endif

namespace rivulet {

namespace {

constexpr std::uint32_t polynomial = 0x82F63B78; // Castagnoli, bit-reversed

using table_set = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0][b] is the CRC of byte b; tables[k][b] is the CRC of byte b
// followed by k zero bytes, so eight bytes are folded with eight lookups.
constexpr table_set make_tables() {
  table_set t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit)
      c = (c >> 1) ^ ((c & 1) ? polynomial : 0);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}

constexpr table_set tables = make_tables();

static_assert(tables[0][1] == 0xF26B8303, "CRC-32C byte table is wrong");

// Little-endian load without alignment or aliasing concerns; compilers turn
// it into one mov on x86.
inline std::uint32_t load_le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16
         | std::uint32_t{p[3]} << 24;
}

#ifdef RIVULET_CRC32C_X86
__attribute__((target("sse4.2"))) std::uint32_t
hw_impl(const unsigned char* p, std::size_t n, std::uint32_t c) {
  while (n > 0 && reinterpret_cast<std::uintptr_t>(p) % 8 != 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  std::uint64_t c64 = c;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c64 = _mm_crc32_u64(c64, word);
  }
  c = static_cast<std::uint32_t>(c64);
  for (; n > 0; --n)
    c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

} // namespace

namespace detail {

std::uint32_t crc32c_sw(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint32_t lo = load_le32(p) ^ c;
    std::uint32_t hi = load_le32(p + 4);
    c = tables[7][lo & 0xff] ^ tables[6][(lo >> 8) & 0xff]
        ^ tables[5][(lo >> 16) & 0xff] ^ tables[4][lo >> 24]
        ^ tables[3][hi & 0xff] ^ tables[2][(hi >> 8) & 0xff]
        ^ tables[1][(hi >> 16) & 0xff] ^ tables[0][hi >> 24];
  }
  for (; n > 0; --n)
    c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xff];
  return ~c;
}

bool crc32c_hw_available() noexcept {
#ifdef RIVULET_CRC32C_X86
  // __builtin_cpu_init makes this safe even before static constructors ran.
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
#else
  return false;
#endif
}

std::uint32_t crc32c_hw(const void* data, std::size_t n, std::uint32_t crc) noexcept {
#ifdef RIVULET_CRC32C_X86
  return ~hw_impl(static_cast<const unsigned char*>(data), n, ~crc);
#else
  return crc32c_sw(data, n, crc);
#endif
}

} // namespace detail

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  static const auto impl =
    detail::crc32c_hw_available() ? &detail::crc32c_hw : &detail::crc32c_sw;
  return impl(data, n, crc);
}

} // namespace rivulet
