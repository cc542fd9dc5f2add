"""心理讲座 and one-to-one counselling.

A counselling request is seen by the teacher who asked and the counsellor asked, by nobody
else: it has its own private manager (models.PrivateQuerySet), is never audited (an audit
line names its actor), never in an export, the API, the Django admin, a score, a review,
a warning or an exit. The office reads one thing: how many requests per month."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.care.access import CareError, reachable
from dangke.care.models import (
    CounsellingRequest,
    CounsellingStatus,
    Counsellor,
    Talk,
    TalkSignup,
)
from dangke.core.services import notify

COUNSELLOR_MOVES = {
    CounsellingStatus.REQUESTED: {CounsellingStatus.SCHEDULED, CounsellingStatus.CANCELLED},
    CounsellingStatus.SCHEDULED: {CounsellingStatus.DONE, CounsellingStatus.CANCELLED},
    CounsellingStatus.DONE: set(),
    CounsellingStatus.CANCELLED: set(),
}


def talks_for(scope):
    return reachable(Talk, scope).order_by("-starts_at")


def counsellors_for(scope):
    return reachable(Counsellor, scope).filter(is_active=True).order_by("name")


@transaction.atomic
def sign_up(*, teacher, talk: Talk) -> TalkSignup:
    Talk.objects.unscoped("locks the talk held").select_for_update().filter(pk=talk.pk).first()
    if talk.starts_at < timezone.now():
        raise CareError(_("讲座已经开始，不能再报名"))
    if (
        TalkSignup.objects.unscoped("the teacher's own signup")
        .filter(talk=talk, teacher=teacher)
        .exists()
    ):
        raise CareError(_("您已报名该讲座"))
    if talk.signups.count() >= talk.capacity:
        raise CareError(_("讲座名额已满（%(n)s 人）") % {"n": talk.capacity})
    return TalkSignup.objects.create(talk=talk, teacher=teacher)


def request_session(
    *, teacher, counsellor: Counsellor, preferred_time: str = "", note: str = ""
) -> CounsellingRequest:
    """A teacher asks a counsellor for a one-to-one session. Not audited, on purpose."""
    if not counsellor.is_active:
        raise CareError(_("该咨询师暂不接受预约"))
    request = CounsellingRequest.objects.create(
        teacher=teacher,
        counsellor=counsellor,
        preferred_time=preferred_time.strip(),
        note=note.strip(),
    )
    if counsellor.user_id:
        # no name in the message: a notification may be read over a shoulder
        notify([counsellor.user], _("您收到一条新的一对一辅导申请"), url="/care/counselling/")
    return request


@transaction.atomic
def counsellor_moves(
    *, user, request: CounsellingRequest, status: str, scheduled_at=None
) -> CounsellingRequest:
    """The counsellor schedules, completes or declines; the teacher may cancel."""
    locked = CounsellingRequest.objects.select_for_update().get(pk=request.pk)
    is_counsellor = locked.counsellor.user_id == user.pk
    is_teacher = locked.teacher.user_id == user.pk
    allowed = COUNSELLOR_MOVES[locked.status] if is_counsellor else set()
    if is_teacher and locked.status in (CounsellingStatus.REQUESTED, CounsellingStatus.SCHEDULED):
        allowed = allowed | {CounsellingStatus.CANCELLED}
    if status not in allowed:
        raise CareError(_("当前状态下不能进行该操作"))
    if status == CounsellingStatus.SCHEDULED and scheduled_at is None:
        raise CareError(_("请填写约定的时间"))
    locked.status = status
    if scheduled_at is not None:
        locked.scheduled_at = scheduled_at
    locked.save(update_fields=["status", "scheduled_at"])
    other = locked.teacher.user if is_counsellor else locked.counsellor.user
    if other is not None:
        notify([other], _("一对一辅导有新的进展"), url="/care/counselling/")
    return locked


def counselling_numbers(scope, year: int) -> list[dict]:
    """Requests per month of `year` to the counsellors the office lists — counts only,
    never a name (the one read of the private table that the office gets)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    counsellors = Counsellor.objects.visible_to(scope).values("pk")
    counts = [0] * 12
    done = [0] * 12
    rows = CounsellingRequest.objects.filter(
        counsellor__in=counsellors, created_at__gte=start, created_at__lt=end
    ).values_list("created_at", "status")
    for created_at, status in rows:
        month = timezone.localtime(created_at).month - 1
        counts[month] += 1
        done[month] += status == CounsellingStatus.DONE
    return [
        {"month": month + 1, "requests": counts[month], "done": done[month]} for month in range(12)
    ]
