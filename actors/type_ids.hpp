#pragma once

// The one registry of rivulet's actor message types and atoms. Every type
// an actor sends is listed here and registered by `register_types()`.

#include <caf/type_id.hpp>

#include "actors/messages.hpp"
#include "actors/topic_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(rivulet, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::data_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::end_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::credit_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::wiring_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::task_done_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::task_failed_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::raft_envelope))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::peers_msg))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::produce_request))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::produce_reply))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::fetch_request))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::fetch_reply))
  CAF_ADD_TYPE_ID(rivulet, (rivulet::actors::replica_status))

  CAF_ADD_ATOM(rivulet, rivulet::actors, start_atom, "rv_start")
  CAF_ADD_ATOM(rivulet, rivulet::actors, step_atom, "rv_step")
  CAF_ADD_ATOM(rivulet, rivulet::actors, flush_atom, "rv_flush")
  CAF_ADD_ATOM(rivulet, rivulet::actors, run_atom, "rv_run")
  CAF_ADD_ATOM(rivulet, rivulet::actors, restart_atom, "rv_restart")
  CAF_ADD_ATOM(rivulet, rivulet::actors, wakeup_atom, "rv_wakeup")
  CAF_ADD_ATOM(rivulet, rivulet::actors, tick_atom, "rv_tick")
  CAF_ADD_ATOM(rivulet, rivulet::actors, status_atom, "rv_status")
  CAF_ADD_ATOM(rivulet, rivulet::actors, replicas_atom, "rv_replica")

CAF_END_TYPE_ID_BLOCK(rivulet)

#include "actors/group_type_ids.hpp"
#include "actors/node_type_ids.hpp"

namespace caf {
class actor_system_config;
}

namespace rivulet::actors {
/// Registers every rivulet message type with `cfg`.
void register_types(caf::actor_system_config& cfg);
} // namespace rivulet::actors
