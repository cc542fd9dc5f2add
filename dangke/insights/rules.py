"""Who may do what with delivery analyses. Scope functions take a `Scope`; views call them.

A coaching report is private: seeing is the model's `scope_rules` (the teacher, the leaders
of their teaching groups, and the region's office only once the report is shared).
Uploading, re-running, correcting boundaries and sharing belong to the teacher and their
group leaders.
"""

from dangke.accounts.scoping import Scope


def may_coach(scope: Scope, teacher, group_ids=None) -> bool:
    """Upload a recording for `teacher`, re-run it, correct its boundaries, share it."""
    if scope.is_superuser or teacher.pk in scope.teacher_ids:
        return True
    if group_ids is None:
        group_ids = teacher.groups.values_list("pk", flat=True)
    return bool(set(group_ids) & set(scope.group_ids))
