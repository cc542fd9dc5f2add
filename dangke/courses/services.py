"""Changes to courses beyond a plain form save: courseware versions and outlines."""

from django.db import transaction
from django.db.models import Max

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.courses.models import Courseware


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
