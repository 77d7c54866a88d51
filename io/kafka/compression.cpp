#include "io/kafka/compression.hpp"

#include "io/kafka/wire.hpp"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace rivulet::io::kafka {

namespace {

using buffer = std::vector<std::uint8_t>;

constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t xerial_header_bytes = 16; // magic, version, compatible version
constexpr std::size_t xerial_block_bytes = 32 * 1024; // what Java's SnappyOutputStream uses

// Collects decompressed output under a bound. Capacity grows by doubling
// but never past the bound, so a bomb costs at most `max` bytes.
class bounded_output {
public:
  bounded_output(compression codec, std::int64_t base_offset, std::size_t max)
    : codec_(codec), base_offset_(base_offset), max_(max) {
  }

  status append(const std::uint8_t* data, std::size_t n) {
    if (n > max_ - out_.size())
      return too_large();
    if (out_.size() + n > out_.capacity())
      out_.reserve(std::min(max_, std::max(out_.capacity() * 2, out_.size() + n)));
    out_.insert(out_.end(), data, data + n);
    return {};
  }
  /// Room left under the bound.
  std::size_t room() const noexcept { return max_ - out_.size(); }
  status too_large() const {
    return error(errc::too_large, "decompresses to more than the maximum " + std::to_string(max_) +
                                    " bytes");
  }
  status error(errc code, const std::string& what) const {
    return {code, std::string(to_string(codec_)) + ": the records of the batch with base offset " +
                    std::to_string(base_offset_) + " " + what};
  }
  buffer take() { return std::move(out_); }

private:
  compression codec_;
  std::int64_t base_offset_;
  std::size_t max_;
  buffer out_;
};

status gunzip(bytes_view in, bounded_output& out) {
  if (in.size() > UINT_MAX)
    return out.error(errc::too_large, "are longer than zlib takes at once");
  z_stream zs{};
  // 16 + 15: a gzip wrapper around a deflate stream with up to 32 KiB window.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return out.error(errc::internal, "cannot be inflated: zlib does not start");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard{&zs, &inflateEnd};
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::uint8_t chunk[chunk_bytes];
  for (;;) {
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (auto st = out.append(chunk, sizeof chunk - zs.avail_out); !st)
      return st;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0)
        return {};
      inflateReset(&zs); // Java's GZIPInputStream reads concatenated members too
      continue;
    }
    if (rc == Z_OK && (zs.avail_in > 0 || zs.avail_out == 0))
      continue;
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_in == 0))
      return out.error(errc::corrupted, "end inside the gzip stream");
    return out.error(errc::corrupted, std::string("are not valid gzip: ") +
                                        (zs.msg ? std::string(zs.msg) : "inflate error " + std::to_string(rc)));
  }
}

status unsnappy_block(const std::uint8_t* data, std::size_t n, bounded_output& out) {
  const char* p = reinterpret_cast<const char*>(data);
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(p, n, &length))
    return out.error(errc::corrupted, "are not valid snappy: bad block length header");
  if (length > out.room())
    return out.too_large();
  buffer block(length);
  if (length > 0 && !snappy::RawUncompress(p, n, reinterpret_cast<char*>(block.data())))
    return out.error(errc::corrupted, "are not valid snappy: a block does not decompress");
  return out.append(block.data(), block.size());
}

status unsnappy(bytes_view in, bounded_output& out) {
  const bool xerial = in.size() >= xerial_header_bytes &&
                      std::memcmp(in.data(), xerial_magic, sizeof xerial_magic) == 0;
  if (!xerial)
    return unsnappy_block(in.data(), in.size(), out);
  std::size_t pos = xerial_header_bytes;
  while (pos < in.size()) {
    if (in.size() - pos < 4)
      return out.error(errc::corrupted, "end inside a snappy block length at byte " +
                                          std::to_string(pos));
    const std::uint32_t n = load_be32(in.data() + pos);
    pos += 4;
    if (n > in.size() - pos)
      return out.error(errc::corrupted, "hold a snappy block of " + std::to_string(n) +
                                          " bytes at byte " + std::to_string(pos - 4) + " but only " +
                                          std::to_string(in.size() - pos) + " follow");
    if (auto st = unsnappy_block(in.data() + pos, n, out); !st)
      return st;
    pos += n;
  }
  return {};
}

status unlz4(bytes_view in, bounded_output& out) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
    return out.error(errc::internal, "cannot be decompressed: lz4 does not start");
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard{ctx, &LZ4F_freeDecompressionContext};
  std::uint8_t chunk[chunk_bytes];
  std::size_t pos = 0;
  for (;;) {
    std::size_t produced = sizeof chunk;
    std::size_t consumed = in.size() - pos;
    const std::size_t hint = LZ4F_decompress(ctx, chunk, &produced, in.data() + pos, &consumed, nullptr);
    if (LZ4F_isError(hint))
      return out.error(errc::corrupted, std::string("are not a valid LZ4 frame: ") +
                                          LZ4F_getErrorName(hint));
    pos += consumed;
    if (auto st = out.append(chunk, produced); !st)
      return st;
    if (hint == 0 && pos == in.size())
      return {}; // the last frame is complete and flushed
    // Input left (maybe a further frame), or progress that may not be all:
    // the decoder can hold decoded bytes back after the input runs out.
    if (pos < in.size() || produced > 0)
      continue;
    return out.error(errc::corrupted, "end inside an LZ4 frame");
  }
}

// The largest window a frame may ask for: enough for `max` bytes of output
// (a zstd window never needs to exceed the content), so a forged header
// cannot make the decoder allocate more than the output bound.
int zstd_window_log(std::size_t max) {
  int log = 10; // ZSTD_WINDOWLOG_ABSOLUTEMIN, outside zstd's stable API
  while (log < 31 && (std::size_t{1} << log) < max)
    ++log;
  return log;
}

status unzstd(bytes_view in, bounded_output& out) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> ctx{ZSTD_createDCtx(), &ZSTD_freeDCtx};
  if (!ctx)
    return out.error(errc::internal, "cannot be decompressed: zstd does not start");
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, zstd_window_log(out.room()));
  std::uint8_t chunk[chunk_bytes];
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer dst{chunk, sizeof chunk, 0};
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &dst, &src);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
        return out.error(errc::too_large, "ask for a zstd window larger than the maximum output " +
                                            std::to_string(out.room()) + " bytes");
      return out.error(errc::corrupted, std::string("are not a valid zstd frame: ") +
                                          ZSTD_getErrorName(rc));
    }
    if (auto st = out.append(chunk, dst.pos); !st)
      return st;
    if (rc == 0 && src.pos == src.size)
      return {}; // the last frame is complete and flushed
    if (src.pos < src.size || dst.pos > 0) // as in unlz4()
      continue;
    return out.error(errc::corrupted, "end inside a zstd frame");
  }
}

buffer gzip(bytes_view in, status& st) {
  z_stream zs{};
  if (in.size() > UINT_MAX ||
      deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    st = {errc::internal, "gzip: cannot compress " + std::to_string(in.size()) + " bytes"};
    return {};
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard{&zs, &deflateEnd};
  buffer out(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
    st = {errc::internal, "gzip: deflate did not finish"};
    return {};
  }
  out.resize(zs.total_out);
  return out;
}

void put_be32(buffer& out, std::uint32_t v) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  store_be32(out.data() + at, v);
}

buffer snappy_xerial(bytes_view in) {
  buffer out(xerial_magic, xerial_magic + sizeof xerial_magic);
  put_be32(out, 1); // version
  put_be32(out, 1); // oldest compatible version
  for (std::size_t pos = 0; pos < in.size(); pos += xerial_block_bytes) {
    const std::size_t n = std::min(xerial_block_bytes, in.size() - pos);
    const std::size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    std::size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &written);
    store_be32(out.data() + at, static_cast<std::uint32_t>(written));
    out.resize(at + 4 + written);
  }
  return out;
}

buffer lz4(bytes_view in, status& st) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = LZ4F_blockIndependent; // Kafka's Java reader needs independent blocks
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  buffer out(LZ4F_compressFrameBound(in.size(), &prefs));
  const std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    st = {errc::internal, std::string("lz4: ") + LZ4F_getErrorName(n)};
    return {};
  }
  out.resize(n);
  return out;
}

buffer zstd(bytes_view in, status& st) {
  buffer out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) {
    st = {errc::internal, std::string("zstd: ") + ZSTD_getErrorName(n)};
    return {};
  }
  out.resize(n);
  return out;
}

} // namespace

const char* to_string(compression c) noexcept {
  switch (c) {
    case compression::none: return "none";
    case compression::gzip: return "gzip";
    case compression::snappy: return "snappy";
    case compression::lz4: return "lz4";
    case compression::zstd: return "zstd";
  }
  return "unknown";
}

result<compression> parse_compression(std::string_view name) {
  for (auto c : {compression::none, compression::gzip, compression::snappy, compression::lz4,
                 compression::zstd})
    if (name == to_string(c))
      return c;
  return status{errc::invalid_argument, "unknown compression '" + std::string(name) +
                                          "': use none, gzip, snappy, lz4 or zstd"};
}

result<std::vector<std::uint8_t>> decompress(compression codec, bytes_view input,
                                             std::int64_t base_offset, std::size_t max_output_bytes) {
  bounded_output out{codec, base_offset, max_output_bytes};
  status st;
  switch (codec) {
    case compression::gzip: st = gunzip(input, out); break;
    case compression::snappy: st = unsnappy(input, out); break;
    case compression::lz4: st = unlz4(input, out); break;
    case compression::zstd: st = unzstd(input, out); break;
    default:
      return out.error(errc::invalid_argument, "are not compressed (codec " +
                                                 std::to_string(static_cast<int>(codec)) + ")");
  }
  if (!st)
    return st;
  return out.take();
}

result<std::vector<std::uint8_t>> compress(compression codec, bytes_view input) {
  status st;
  buffer out;
  switch (codec) {
    case compression::gzip: out = gzip(input, st); break;
    case compression::snappy: out = snappy_xerial(input); break;
    case compression::lz4: out = lz4(input, st); break;
    case compression::zstd: out = zstd(input, st); break;
    default:
      return status{errc::invalid_argument, "compress: codec " +
                                              std::to_string(static_cast<int>(codec)) +
                                              " is not a compression"};
  }
  if (!st)
    return st;
  return out;
}

} // namespace rivulet::io::kafka
