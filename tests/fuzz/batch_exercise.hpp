#pragma once

// Shared by the fuzz targets: runs every record batch parser over untrusted
// bytes and touches every field a parsed view hands out, so ASan sees any
// read outside the input. Plain C++, no libFuzzer symbols, so the g++
// corpus replay can compile it too.

#include "io/kafka/bytes.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/records.hpp"
#include "io/kafka/wire.hpp"
#include "runtime/crc32c.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rivulet::fuzz {

/// Folds bytes into a sum the optimiser cannot drop, reading every byte.
inline std::size_t touch(io::kafka::bytes_view b) noexcept {
  std::size_t sum = 0;
  for (std::uint8_t c : b)
    sum += c;
  return sum;
}

/// Splits `bytes` into batches, iterates the records and headers of every
/// valid one, re-parses each alone, and decodes them as a consumer would.
/// Small maximum batch size so too_large paths are reachable.
inline std::size_t exercise_batches(io::kafka::bytes_view bytes) {
  namespace k = io::kafka;
  std::size_t sum = 0;
  for (std::size_t max : {std::size_t{256} << 20, std::size_t{512}}) {
    k::parse_options options;
    options.max_batch_bytes = max;
    auto split = k::split_batches(bytes, options);
    sum += split.valid_bytes;
    for (const auto& view : split.batches) {
      auto again = k::record_batch_view::parse(view.bytes(), options);
      // A batch split_batches accepted must parse alone too.
      if (!again)
        __builtin_trap();
      auto records = view.records();
      if (!records)
        continue;
      for (const auto& rec : *records) {
        sum += static_cast<std::size_t>(rec.offset) + static_cast<std::size_t>(rec.timestamp);
        if (rec.key)
          sum += touch(*rec.key);
        if (rec.value)
          sum += touch(*rec.value);
        for (const auto& h : rec.headers) {
          sum += h.key.size();
          if (h.value)
            sum += touch(*h.value);
        }
      }
    }
  }
  // The whole input as one batch, as the log does when it recovers.
  if (auto one = k::record_batch_view::parse(bytes))
    sum += one->bytes().size();

  std::string_view text = bytes.as_string_view();
  std::vector<k::read_record> out;
  (void)k::decode_batches(text, 0, out);
  for (const auto& r : out)
    sum += static_cast<std::size_t>(r.offset) + (r.key ? r.key->size() : 0) +
           (r.value ? r.value->size() : 0);
  sum += static_cast<std::size_t>(k::next_offset(text, 0));
  return sum;
}

/// A copy of `bytes` with the CRC of every batch it appears to hold
/// (walking the batch_length fields) recomputed. Mutated inputs almost never
/// keep a valid CRC-32C, so without this the fuzzer stops at the CRC check
/// and never reaches the record walk behind it.
inline std::vector<std::uint8_t> with_crcs_fixed(io::kafka::bytes_view bytes) {
  namespace layout = io::kafka::batch_layout;
  std::vector<std::uint8_t> out = bytes.to_vector();
  std::size_t pos = 0;
  while (out.size() - pos >= layout::header_size) {
    std::uint8_t* batch = out.data() + pos;
    const auto length = static_cast<std::int32_t>(io::kafka::load_be32(batch + layout::batch_length));
    if (length < 0)
      break;
    const std::size_t total = static_cast<std::size_t>(length) + layout::log_overhead;
    if (total < layout::header_size || total > out.size() - pos)
      break;
    io::kafka::store_be32(batch + layout::crc,
                          crc32c(batch + layout::attributes, total - layout::attributes));
    pos += total;
  }
  return out;
}

} // namespace rivulet::fuzz
