#pragma once

// The entry point for users: build a pipeline on an environment, then
// execute it. Everything in runtime/datastream.hpp is reachable from here.
//
//   rivulet::environment env{cfg};
//   auto counts = env.from_collection(lines)
//                    .flat_map(split_words)
//                    .key_by([](const std::string& w) { return w; })
//                    .count()
//                    .collect();
//   auto result = env.execute("word count");

#include <string>

#include "runtime/datastream.hpp"
#include "runtime/job_result.hpp"

namespace rivulet {

class environment : public stream_environment {
public:
  using stream_environment::stream_environment;

  /// Runs the job on a fresh actor system with the configured number of
  /// scheduler threads and blocks until it ends. Never throws for a failing
  /// job: the result says which operator failed and why.
  job_result execute(std::string job_name = "rivulet job");
};

} // namespace rivulet
