"""Who may change new-media works and moderate their comments. Seeing them is scoping."""

import rules

from dangke.accounts.rules import is_region_admin, manages_object_region

rules.add_perm("media.add_mediawork", is_region_admin)
rules.add_perm("media.change_mediawork", manages_object_region)
rules.add_perm("media.moderate_comment", manages_object_region)
