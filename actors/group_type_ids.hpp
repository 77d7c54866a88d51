#pragma once

// Type IDs of the group coordinator's messages (actors/group_messages.hpp),
// in their own block after the core block so that they can grow without
// touching it. Included by actors/type_ids.hpp; registered by
// register_types().

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(rivulet_group, caf::id_block::rivulet::end)

CAF_END_TYPE_ID_BLOCK(rivulet_group)
