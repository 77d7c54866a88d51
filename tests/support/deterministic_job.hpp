#pragma once

// Runs a whole job on CAF's testing scheduler: one message at a time on the
// calling thread, the next actor chosen by a seeded RNG among those with
// mail, virtual time advanced only when no actor can run. The same seed
// gives the same interleaving; different seeds explore different ones.

#include <cstdint>
#include <string>

#include "runtime/datastream.hpp"
#include "runtime/job_result.hpp"

namespace rivulet::testing {

struct deterministic_run {
  job_result result;
  /// Messages processed.
  std::uint64_t steps = 0;
  /// Times virtual time jumped to the next timer.
  std::uint64_t timer_jumps = 0;
};

/// Runs `env`'s job under seed `seed`. A run that stops making progress
/// before the job ends returns a failed result saying it stalled.
deterministic_run run_deterministic(const stream_environment& env, std::uint64_t seed,
                                    std::string job_name = "deterministic job");

} // namespace rivulet::testing
