#pragma once

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// One record header as stored: a non-null key and a nullable value, both
/// views into the batch bytes.
struct record_header_view {
  std::string_view key;
  std::optional<bytes_view> value;
};

/// The headers of one record, decoded lazily while iterating. Obtained from
/// a record_view; the batch bytes must outlive it. Iterating bytes that
/// were not validated by record_batch_view::parse() (or that changed since)
/// is a contract violation and aborts if they turn out malformed.
class header_range {
public:
  class iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = record_header_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const record_header_view*;
    using reference = const record_header_view&;

    iterator() = default;
    reference operator*() const noexcept { return current_; }
    pointer operator->() const noexcept { return &current_; }
    iterator& operator++();
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.left_ == b.left_;
    }
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return !(a == b); }

  private:
    friend class header_range;
    iterator(wire_reader reader, std::int32_t left);
    void load();

    wire_reader reader_{bytes_view{}};
    std::int32_t left_ = 0;
    record_header_view current_;
  };

  header_range() = default;
  header_range(bytes_view bytes, std::int32_t count, std::size_t origin) noexcept
    : bytes_(bytes), count_(count), origin_(origin) {
  }

  iterator begin() const;
  iterator end() const { return {}; }
  std::int32_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

private:
  bytes_view bytes_;
  std::int32_t count_ = 0;
  std::size_t origin_ = 0;
};

/// One decoded record: views into the batch bytes (or its decompressed block)
/// plus the absolute offset and timestamp computed from the batch header.
struct record_view {
  std::int8_t attributes = 0; ///< Unused by Kafka so far; kept as read.
  std::int64_t timestamp_delta = 0;
  std::int32_t offset_delta = 0;
  std::int64_t offset = 0;    ///< base_offset + offset_delta.
  std::int64_t timestamp = 0; ///< base_timestamp + delta, or max_timestamp for log-append-time.
  std::optional<bytes_view> key;   ///< nullopt for a null key.
  std::optional<bytes_view> value; ///< nullopt for a null value (a tombstone).
  header_range headers;
  std::size_t size_bytes = 0; ///< Encoded size, length varint included.
};

/// Batch header values a record needs to compute its offset and timestamp.
struct record_context {
  std::int64_t base_offset = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  bool log_append_time = false;
};

/// Decodes the record at `reader`'s position (length varint first) and
/// advances past it. Errors name the field and its offset; a record length
/// beyond the reader's end is `truncated`, its fields not filling exactly
/// the declared length `corrupted`. Used by parse() and by iteration.
result<record_view> decode_record(wire_reader& reader, const record_context& context);

/// The validated records of a batch, decoded lazily while iterating (an
/// input range: each iterator pass decodes again). Same lifetime and
/// contract as header_range, except that a range over a decompressed block
/// owns that block (see record_batch_view::records()).
class record_range {
public:
  class iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = record_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const record_view*;
    using reference = const record_view&;

    iterator() = default;
    reference operator*() const noexcept { return current_; }
    pointer operator->() const noexcept { return &current_; }
    iterator& operator++();
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.left_ == b.left_;
    }
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return !(a == b); }

  private:
    friend class record_range;
    iterator(wire_reader reader, std::int32_t left, const record_context& context);
    void load();

    wire_reader reader_{bytes_view{}};
    std::int32_t left_ = 0;
    record_context context_;
    record_view current_;
  };

  record_range() = default;
  record_range(bytes_view bytes, std::int32_t count, std::size_t origin,
               const record_context& context) noexcept
    : bytes_(bytes), count_(count), origin_(origin), context_(context) {
  }
  /// Records in `owned` (a decompressed records block), which the range and
  /// its copies keep alive: views taken from it live as long as one copy.
  record_range(std::shared_ptr<const std::vector<std::uint8_t>> owned, std::int32_t count,
               std::size_t origin, const record_context& context) noexcept
    : bytes_(*owned), count_(count), origin_(origin), context_(context), owned_(std::move(owned)) {
  }

  iterator begin() const;
  iterator end() const { return {}; }
  std::int32_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

private:
  bytes_view bytes_;
  std::int32_t count_ = 0;
  std::size_t origin_ = 0;
  record_context context_;
  std::shared_ptr<const std::vector<std::uint8_t>> owned_; ///< Null when bytes_ is the caller's.
};

} // namespace rivulet::io::kafka
