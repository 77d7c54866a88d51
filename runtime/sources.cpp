#include "runtime/sources.hpp"

#include <cerrno>
#include <cstring>

namespace rivulet {

void text_file_source::open(link_context& ctx) {
  typed_source<std::string>::open(ctx);
  in_file_.open(path_);
  if (!in_file_)
    throw operator_error(info_, "cannot open '" + path_ + "': " + std::strerror(errno));
}

bool text_file_source::emit(std::size_t max_records) {
  std::string line;
  std::size_t emitted = 0;
  while (emitted < max_records && std::getline(in_file_, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line_no_++ % stride() != static_cast<std::uint64_t>(info_.instance))
      continue;
    ++in_;
    ++emitted;
    down_->push(std::move(line), no_timestamp);
  }
  if (in_file_.bad())
    throw operator_error(info_, "error reading '" + path_ + "' after line " + std::to_string(line_no_));
  return !in_file_.eof();
}

} // namespace rivulet
