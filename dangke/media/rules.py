"""Who may change new-media works and moderate their comments. Seeing them is scoping."""

from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.core.permissions import permissions

permissions.add_rule("media.add_mediawork", is_region_admin)
permissions.add_rule("media.change_mediawork", manages_object_region)
permissions.add_rule("media.moderate_comment", manages_object_region)
