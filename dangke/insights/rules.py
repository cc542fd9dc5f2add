"""Who may do what with delivery analyses. Scope functions take a `Scope`; views call them.

Seeing is the model's `scope_rules` (the teacher, their teaching-group leaders, the region's
office). Uploading for a teacher and correcting boundaries are narrower: the teacher
themself, a leader of one of their groups, or an administrator of their region.
"""

from dangke.accounts.scoping import Scope


def may_coach(scope: Scope, teacher, group_ids=None) -> bool:
    """Upload a recording for `teacher`, re-run it, or correct its boundaries."""
    if teacher.pk in scope.teacher_ids or scope.manages_region(teacher.region_id):
        return True
    if group_ids is None:
        group_ids = teacher.groups.values_list("pk", flat=True)
    return bool(set(group_ids) & set(scope.group_ids))
