"""What the lesson's QR sign-in page needs from the roster: the phone remembered on the
device (a signed cookie, so the next lesson is one tap) and what to tell the person after
signing in, including — for a member on the lesson's day — the link to their own year."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.members.hours import mask_phone
from dangke.members.models import AttendanceMatch, MatchOutcome

COOKIE = "dangke_signin"
SALT = "dangke.members.signin"
MAX_AGE = 400 * 24 * 3600  # a year of lessons, and a few weeks more


def remembered(request) -> dict | None:
    """{name, phone, masked} from the device's cookie, or None when absent or tampered."""
    try:
        value = signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT, max_age=MAX_AGE)
        name, phone = str(value["n"]), str(value["p"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
    return {"name": name, "phone": phone, "masked": mask_phone(phone)}


def remember(request, response, *, name: str, phone: str) -> None:
    """Signed (nobody can plant another person's phone) and ASCII (base64 of the JSON)."""
    response.set_cookie(
        COOKIE, signing.dumps({"n": name, "p": phone}, salt=SALT), max_age=MAX_AGE,
        httponly=True, samesite="Lax", secure=request.is_secure(),
    )  # fmt: skip


def forget(response) -> None:
    response.delete_cookie(COOKIE, samesite="Lax")


def after_sign_in(attendance) -> dict:
    """A line for the person who signed in, and their personal link when the sign-in is
    a member's and the lesson is today (a link is not handed out for old lessons)."""
    match = (
        AttendanceMatch.objects.unscoped("the attendance just signed in")
        .select_related("member")
        .filter(attendance=attendance)
        .first()
    )
    if match is None:
        return {"note": "", "link": ""}
    if match.outcome in (MatchOutcome.MEMBER, MatchOutcome.OTHER_ORGANIZATION):
        lesson_day = timezone.localtime(attendance.lesson.starts_at).date()
        link = ""
        if lesson_day == timezone.localdate():
            link = reverse("members:mine", args=[match.member.view_token])
        return {"note": _("已计入您本年度的学时。"), "link": link}
    if match.outcome == MatchOutcome.UNRESOLVED:
        return {"note": _("联络员核对您的党员身份后计入学时。"), "link": ""}
    return {"note": "", "link": ""}
