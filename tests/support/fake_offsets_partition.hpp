#pragma once

// A stand-in for an offsets partition, for coordinator tests that need a
// partition that is slow or never acknowledges: it answers fetch_request and
// produce_request as a partition actor would, over an empty log.

#include <vector>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"

namespace rivulet::testing {

/// Stands in for an offsets partition with an empty log (high watermark 0).
/// With hold_fetches, fetches wait for a run_atom (the load's end); produces after the first
/// `acked` are never answered.
struct fake_partition_state {
  bool hold_fetches = false;
  int acked = 0;
  int produced = 0;
  std::vector<caf::response_promise> held_fetches;
  std::vector<caf::response_promise> held_produces; // never answered
};

inline caf::behavior fake_partition(caf::stateful_actor<fake_partition_state>* self, bool hold_fetches, int acked) {
  self->state.hold_fetches = hold_fetches;
  self->state.acked = acked;
  return {
    [self](const actors::fetch_request&) -> caf::result<actors::fetch_reply> {
      actors::fetch_reply r;
      r.ok = true;
      if (!self->state.hold_fetches)
        return r;
      auto p = self->make_response_promise();
      self->state.held_fetches.push_back(p);
      return p;
    },
    [self](const actors::produce_request&) -> caf::result<actors::produce_reply> {
      auto& st = self->state;
      if (st.produced++ >= st.acked) {
        auto p = self->make_response_promise();
        st.held_produces.push_back(p);
        return p;
      }
      actors::produce_reply r;
      r.ok = true;
      r.base_offset = r.last_offset = st.produced - 1;
      return r;
    },
    [self](actors::run_atom) {
      auto& st = self->state;
      st.hold_fetches = false;
      actors::fetch_reply r;
      r.ok = true;
      for (auto& p : st.held_fetches)
        p.deliver(r);
      st.held_fetches.clear();
    },
  };
}

} // namespace rivulet::testing
