#pragma once

#include <cstddef>
#include <cstdint>

namespace rivulet {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `n` bytes at
/// `data`, as used by Kafka record batch v2, iSCSI and ext4. The standard
/// pre- and post-inversion are applied inside, so results are the
/// published check values: crc32c("123456789", 9) == 0xE3069283, and the
/// CRC of no bytes is 0.
///
/// Incremental: pass the CRC of the bytes so far as `crc` to continue it,
/// crc32c(b, nb, crc32c(a, na)) == crc32c of a followed by b.
///
/// `data` may be null when `n` is 0; no alignment is required. Pure and
/// thread-safe. Uses the SSE4.2 crc32 instruction when the CPU has it (checked
/// once at run time), else a table-driven slicing-by-8 loop.
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

namespace detail {

/// The portable slicing-by-8 implementation; same contract as crc32c().
std::uint32_t crc32c_sw(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

/// True when this build and CPU can run crc32c_hw() (x86-64 with SSE4.2).
bool crc32c_hw_available() noexcept;

/// The SSE4.2 implementation; same contract as crc32c(). Call only when
/// crc32c_hw_available(); in builds for other CPUs it is crc32c_sw().
std::uint32_t crc32c_hw(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

} // namespace detail

} // namespace rivulet
