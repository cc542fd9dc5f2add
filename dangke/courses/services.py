"""Changes to courses beyond a plain form save: status, courseware versions and outlines."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.core.status import StatusTransitionError
from dangke.courses.models import Course, CourseStatus, Courseware

# Every edge of Course.STATUS_TRANSITIONS is taken by exactly one door. The library's own
# moves are the office's decision, here; a rectification is ordered with a deadline and closed
# by its re-evaluation in evaluation's rectification flow (evaluation.consequences), so that no
# course leaves 整改 with its rectification still open.
LIBRARY_EDGES = frozenset(
    {
        (CourseStatus.DRAFT, CourseStatus.LISTED),
        (CourseStatus.DRAFT, CourseStatus.WITHDRAWN),
        (CourseStatus.LISTED, CourseStatus.WITHDRAWN),
        (CourseStatus.WITHDRAWN, CourseStatus.DRAFT),
    }
)
RECTIFICATION_EDGES = frozenset(
    {
        (CourseStatus.LISTED, CourseStatus.RECTIFYING),
        (CourseStatus.RECTIFYING, CourseStatus.LISTED),
        (CourseStatus.RECTIFYING, CourseStatus.WITHDRAWN),
    }
)


def library_targets(course: Course) -> set[str]:
    """The statuses the office may move `course` to by its own decision."""
    return {target for origin, target in LIBRARY_EDGES if origin == course.status}


@transaction.atomic
def change_library_status(course: Course, target: str, *, scope, actor, reason: str) -> None:
    """Publish (上架), take down (下架) or reopen as a draft, by the office's decision."""
    if not scope.manages_region(course.region_id):
        raise PermissionDenied(_("您没有修改此课程的权限"))
    course = (
        Course.objects.unscoped("re-read under lock: the course held")
        .select_for_update()
        .get(pk=course.pk)
    )
    edge = (course.status, target)
    if edge in RECTIFICATION_EDGES:
        raise StatusTransitionError(
            _("整改由「教学评估 › 整改」下达（附期限）并经复评验收，不能直接变更状态")
        )
    if edge not in LIBRARY_EDGES:
        raise StatusTransitionError(
            _("不能从「%(old)s」变更为「%(new)s」")
            % {"old": course.get_status_display(), "new": CourseStatus(target).label}
        )
    change_status(course, target, actor=actor, reason=reason)


@transaction.atomic
def add_courseware(course, upload, *, kind: str, note: str, actor) -> Courseware:
    """Store a new version; earlier versions stay available."""
    latest = course.courseware.select_for_update().aggregate(v=Max("version"))["v"] or 0
    courseware = Courseware(
        course=course,
        version=latest + 1,
        original_name=upload.name[:200],
        kind=kind,
        size_bytes=upload.size,
        note=note,
        uploaded_by=actor,
    )
    courseware.file.save(upload.name, upload, save=False)
    courseware.save()
    record_audit(
        course,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="courseware",
        to_value=f"课件第 {courseware.version} 版：{courseware.original_name}",
        reason=note,
    )
    return courseware
