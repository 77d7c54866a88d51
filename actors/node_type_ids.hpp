#pragma once

// Type IDs of the node, controller and client messages
// (actors/node_messages.hpp), after the group block. Included by
// actors/type_ids.hpp; registered by register_types().

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(rivulet_node, caf::id_block::rivulet_group::end)

CAF_END_TYPE_ID_BLOCK(rivulet_node)
