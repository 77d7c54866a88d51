#pragma once

// Type IDs of the group coordinator's messages (actors/group_messages.hpp),
// in their own block after the core block so that they can grow without
// touching it. Included by actors/type_ids.hpp; registered by
// register_types().

#include <caf/type_id.hpp>

#include "actors/group_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(rivulet_group, caf::id_block::rivulet::end)

  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::join_group_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::join_group_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::sync_group_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::sync_group_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::heartbeat_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::heartbeat_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::leave_group_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::leave_group_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::offset_commit_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::offset_commit_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::offset_fetch_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::offset_fetch_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::init_producer_id_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::init_producer_id_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::add_to_txn_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::end_txn_request))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::txn_reply))
  CAF_ADD_TYPE_ID(rivulet_group, (rivulet::actors::txn_offsets_end))

CAF_END_TYPE_ID_BLOCK(rivulet_group)
