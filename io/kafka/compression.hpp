#pragma once

// The four codecs a Kafka record batch v2 may compress its records block
// with, in the framings Kafka clients use (see docs/kafka-compatibility.md):
//   gzip   a gzip stream (RFC 1952), possibly several members;
//   snappy Java's xerial framing ("\x82SNAPPY\0", two version int32s, then
//          [int32 length + raw snappy block]*) or one raw snappy block, as
//          librdkafka writes it;
//   lz4    LZ4 frames with a correct header checksum (what clients write
//          for message format v1 and later; only v0 had the broken one);
//   zstd   zstd frames, with or without the content size.

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// Codec in attribute bits 0-2. Values 5-7 are invalid and refused by parse.
enum class compression : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

/// "none", "gzip", "snappy", "lz4", "zstd".
const char* to_string(compression c) noexcept;

/// The codec spelled `name` as in Kafka's compression.type ("none",
/// "gzip", "snappy", "lz4", "zstd"); invalid_argument for any other name.
result<compression> parse_compression(std::string_view name);

/// Default bound of decompress()'s output: one batch's records, decompressed.
inline constexpr std::size_t default_max_decompressed_bytes = std::size_t{64} << 20;

/// Decompresses the records block `input` of the batch with `base_offset`
/// (used only in messages). Allocates at most about `max_output_bytes`,
/// growing as output appears, so a small bomb cannot claim more. Errors:
/// corrupted (malformed or truncated input, trailing garbage) and too_large
/// (the output would exceed `max_output_bytes`), each message naming the
/// codec and the batch's base offset; invalid_argument for `none`. Never
/// throws, thread-safe.
result<std::vector<std::uint8_t>> decompress(compression codec, bytes_view input,
                                             std::int64_t base_offset,
                                             std::size_t max_output_bytes = default_max_decompressed_bytes);

/// Compresses `input` with `codec` in the framing Kafka's Java client
/// writes (xerial for snappy, independent-block LZ4 frames), which
/// librdkafka and Java both read. invalid_argument for `none`; internal if
/// a codec library fails.
result<std::vector<std::uint8_t>> compress(compression codec, bytes_view input);

} // namespace rivulet::io::kafka
