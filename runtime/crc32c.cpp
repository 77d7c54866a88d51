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

// Combining CRCs of neighbouring blocks. The CRC register is linear over
// GF(2): the register after block A then block B equals the register after
// A advanced over len(B) zero bytes, xor the register after B started from
// zero. "Advancing over n zero bytes" is a 32x32 bit matrix; shift_table
// holds it as four byte-indexed tables so that applying it costs four
// lookups.

// Row i of `m` is the image of bit i; the product with vector `v`.
constexpr std::uint32_t gf2_times(const std::array<std::uint32_t, 32>& m, std::uint32_t v) {
  std::uint32_t sum = 0;
  for (int i = 0; v != 0; ++i, v >>= 1)
    if (v & 1)
      sum ^= m[static_cast<std::size_t>(i)];
  return sum;
}

constexpr std::array<std::uint32_t, 32> gf2_square(const std::array<std::uint32_t, 32>& m) {
  std::array<std::uint32_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = gf2_times(m, m[i]);
  return out;
}

using shift_table = std::array<std::array<std::uint32_t, 256>, 4>;

/// Tables advancing a CRC register over `bytes` zero bytes (a power of two).
constexpr shift_table make_shift_table(std::size_t bytes) {
  // One zero bit: shift right, folding in the polynomial for the low bit.
  std::array<std::uint32_t, 32> op{};
  op[0] = polynomial;
  for (std::size_t i = 1; i < 32; ++i)
    op[i] = std::uint32_t{1} << (i - 1);
  for (std::size_t bits = 1; bits < bytes * 8; bits *= 2)
    op = gf2_square(op);
  shift_table t{};
  for (std::uint32_t b = 0; b < 256; ++b)
    for (std::size_t k = 0; k < 4; ++k)
      t[k][b] = gf2_times(op, b << (8 * k));
  return t;
}

#ifdef RIVULET_CRC32C_X86

// The crc32 instruction takes three cycles but can start one per cycle, so
// three independent streams over neighbouring blocks run about three times
// as fast as one; their registers are combined with the shift tables.
constexpr std::size_t long_block = 8192;
constexpr std::size_t short_block = 256;
constexpr shift_table long_shift = make_shift_table(long_block);
constexpr shift_table short_shift = make_shift_table(short_block);

inline std::uint64_t shift(const shift_table& t, std::uint64_t c) {
  return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][(c >> 24) & 0xff];
}

inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

/// Three streams over [p, p + 3 * block) per round while n allows.
__attribute__((target("sse4.2"))) inline std::uint64_t
three_way(const unsigned char*& p, std::size_t& n, std::uint64_t c0, std::size_t block, const shift_table& t) {
  while (n >= 3 * block) {
    std::uint64_t c1 = 0, c2 = 0;
    for (const unsigned char* end = p + block; p < end; p += 8) {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + block));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
    }
    c0 = shift(t, c0) ^ c1;
    c0 = shift(t, c0) ^ c2;
    p += 2 * block;
    n -= 3 * block;
  }
  return c0;
}

__attribute__((target("sse4.2"))) std::uint32_t
hw_impl(const unsigned char* p, std::size_t n, std::uint32_t c) {
  while (n > 0 && reinterpret_cast<std::uintptr_t>(p) % 8 != 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  std::uint64_t c64 = c;
  c64 = three_way(p, n, c64, long_block, long_shift);
  c64 = three_way(p, n, c64, short_block, short_shift);
  for (; n >= 8; n -= 8, p += 8)
    c64 = _mm_crc32_u64(c64, load64(p));
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
