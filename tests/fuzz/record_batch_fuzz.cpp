// libFuzzer target: the record batch v2 parsers (split_batches,
// record_batch_view::parse, record and header iteration, decode_batches)
// on arbitrary bytes, as given and with their CRCs fixed up. Any crash, leak, or out-of-bounds read is a bug in
// io/kafka: these bytes arrive from the network and from disk.

#include "tests/fuzz/batch_exercise.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t sum = rivulet::fuzz::exercise_batches({data, size});
  // Exactly sized, so ASan still sees a read past the end.
  const std::vector<std::uint8_t> fixed = rivulet::fuzz::with_crcs_fixed({data, size});
  sum += rivulet::fuzz::exercise_batches(fixed);
  volatile std::size_t sink = sum;
  (void)sink;
  return 0;
}
