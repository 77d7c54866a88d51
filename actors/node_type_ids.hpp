#pragma once

// Type IDs of the node, controller and client messages
// (actors/node_messages.hpp), after the group block. Included by
// actors/type_ids.hpp; registered by register_types().

#include <caf/type_id.hpp>

#include "actors/node_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(rivulet_node, caf::id_block::rivulet_group::end)

  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::raft::coalesced_heartbeats))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::outbound_raft))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::raft_route))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::replica_report))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::create_topic_request))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::delete_topic_request))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::admin_reply))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::metadata_request))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::metadata_reply))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::topic_produce))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::topic_fetch))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::find_coordinator_request))
  CAF_ADD_TYPE_ID(rivulet_node, (rivulet::actors::find_coordinator_reply))

  CAF_ADD_ATOM(rivulet_node, rivulet::actors, report_atom, "rv_report")
  CAF_ADD_ATOM(rivulet_node, rivulet::actors, hello_atom, "rv_hello")
  CAF_ADD_ATOM(rivulet_node, rivulet::actors, shutdown_atom, "rv_shutdn")

CAF_END_TYPE_ID_BLOCK(rivulet_node)
