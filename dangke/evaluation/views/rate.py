"""The rater's page, opened from the venue QR code or a one-time invitation link.

Built for a cheap phone on a weak signal: one small page with its own inline styles (no
framework, no script), stars that are plain radio buttons, and a form that works without
JavaScript. No login and no session: the only thing kept in the browser is a signed cookie
saying this survey was answered, and the only thing kept on the server about the rater is
the answer sheet itself.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from dangke.core import ratelimit
from dangke.evaluation import services
from dangke.evaluation.models import Invitation, RaterKind, Survey, SurveyKind

COOKIE_SALT = "dangke.evaluation.answered"
COOKIE_AGE = 60 * 60 * 24 * 60


def _cookie_name(survey: Survey) -> str:
    return f"dk_rated_{survey.pk}"


def _answered(request, survey: Survey) -> bool:
    value = request.get_signed_cookie(
        _cookie_name(survey), default=None, salt=COOKIE_SALT, max_age=COOKIE_AGE
    )
    return value == str(survey.pk)


def _rate_limit(request, survey: Survey) -> tuple[str, int]:
    """At most N submissions a minute from one network address per survey, as (key,
    limit) of `core.ratelimit`. A hall on the venue's Wi-Fi or a carrier's NAT shares one
    address, so the limit is never below the lesson's attendance (and 120 when it is not
    recorded yet); the address is hashed with the secret key and kept only as a rate-limit
    key deleted minutes later (`core.ratelimit`: a true minute, which refused requests do
    not extend). Every POST counts once: in the sheet's transaction when the sheet gets
    that far, by itself when the checks refuse it first."""
    limit = max(getattr(settings, "DANGKE_SURVEY_RATE_LIMIT", 120), survey.attendance or 0)
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{survey.pk}:{address}".encode()).hexdigest()
    return f"survey:{digest[:48]}", limit


@dataclass(frozen=True)
class PageParts:
    """What a sheet is checked against and answered with: the roles with their leaves, the
    heading, each role's rendered questions, and the trainee's thank-you page. Built once
    per survey version (`services.rater_form_version`) and kept in the process's memory."""

    roles: dict[str, services.StageRole]
    heading: dict[str, str]
    questions: dict[str, str]
    trainee_done: str


@dataclass(frozen=True)
class TraineePages:
    """What a trainee's phone is shown before and after answering, cached apart from the
    roles: a phone's GET needs only these two strings, and the memory cache unpickles
    whatever a key holds on every read (issue #19)."""

    form: str  # with CSRF_SLOT and NONCE_SLOT where each phone's own values go; "" if no trainee
    done: str


# Placeholders in a cached page for what is each phone's own: its CSRF token and its form
# nonce. Plain letters, so escaping leaves them as they are.
CSRF_SLOT = "dkslotcsrf0x19"
NONCE_SLOT = "dkslotnonce0x19"
PAGES_SUFFIX = ":pages"


# The memory cache unpickles what a key holds on every read: for the roles with their
# indicator rows that was 1.2 ms of a phone's 3 ms answer (bench._phone_profile). What is
# kept under a version never changes (services.rater_form_version), so the process also
# keeps the objects themselves for the last KEPT_ENTRIES keys it read or built.
KEPT_ENTRIES = 64
_kept: dict[str, PageParts | TraineePages] = {}
_kept_lock = threading.Lock()


def _cached(key: str):
    value = _kept.get(key)
    if value is None:
        value = services.local_cache().get(key)
        if value is not None:
            _keep({key: value})
    return value


def _keep(entries: dict) -> None:
    with _kept_lock:
        _kept.update(entries)
        while len(_kept) > KEPT_ENTRIES:
            del _kept[next(iter(_kept))]  # the oldest first


def _page_parts(survey) -> PageParts:
    version = services.rater_form_version(survey)
    if version is not None:
        parts = _cached(version)
        if parts is not None:
            return parts
    return _build_pages(survey, version)[0]


def _trainee_pages(survey) -> TraineePages:
    version = services.rater_form_version(survey)
    if version is not None:
        pages = _cached(version + PAGES_SUFFIX)
        if pages is not None:
            return pages
    return _build_pages(survey, version)[1]


def _build_pages(survey, version) -> tuple[PageParts, TraineePages]:
    lesson = survey.lesson if survey.lesson_id else None
    heading = {
        "title": survey.rater_course_title or survey.title,
        "place": survey.rater_organization_name or "",
        "day": formats.date_format(timezone.localtime(lesson.starts_at), "Y-m-d") if lesson else "",
    }
    roles = services.asked_roles(survey)
    questions = {
        kind: render_to_string("evaluation/_rate_questions.html", {"groups": _questions(stage, {})})
        for kind, stage in roles.items()
    }
    trainee_done = render_to_string(
        "evaluation/rate.html",
        _context(survey, heading, roles.get(RaterKind.TRAINEE), done=True),
    )
    trainee = roles.get(RaterKind.TRAINEE)
    trainee_form = (
        render_to_string(
            "evaluation/rate.html",
            _context(
                survey, heading, trainee, done=False, errors=(), values={},
                questions=questions[RaterKind.TRAINEE], quiz_questions=[],
                nonce=NONCE_SLOT, csrf_token=CSRF_SLOT,
            ),
        )
        if trainee
        else ""
    )  # fmt: skip
    parts = PageParts(roles, heading, questions, trainee_done)
    pages = TraineePages(trainee_form, trainee_done)
    if version is not None:
        entries = {version: parts, version + PAGES_SUFFIX: pages}
        services.local_cache().set_many(entries, services.RATER_FORM_TIMEOUT)
        _keep(entries)
    return parts, pages


def _context(survey, heading, stage, **extra) -> dict:
    return {
        "survey": survey,
        "heading": heading,
        "role": stage,
        "follow_up": survey.kind == SurveyKind.FOLLOW_UP,
        **extra,
    }


def _render(
    request, survey, role, *, parts=None, invitation=None, errors=(), done=False, status=200
):
    """The page in the state the survey and the rater are in. A phone's page is rendered
    without the request's context processors (it shows nothing of a user) around the
    cached questions; a form sent back with errors is rendered afresh, with the rater's
    own choices."""
    trainee_phone = invitation is None and role == RaterKind.TRAINEE
    if done and trainee_phone:
        page = parts.trainee_done if parts else _trainee_pages(survey).done
        return HttpResponse(page, status=status)
    now = timezone.now()
    if (
        not done
        and not errors
        and trainee_phone
        and not survey.rater_has_quiz
        and survey.is_open_at(now)
    ):  # the hall's case: the cached page with this phone's own token and nonce
        form = _trainee_pages(survey).form
        if form:
            page = form.replace(CSRF_SLOT, get_token(request))
            return HttpResponse(page.replace(NONCE_SLOT, services.new_form_nonce(survey)))
    parts = parts or _page_parts(survey)
    stage = parts.roles.get(role)
    context = _context(survey, parts.heading, stage, invitation=invitation, done=done)
    if not done:
        values = request.POST if errors else {}
        questions = ""
        if stage:
            questions = (
                render_to_string(
                    "evaluation/_rate_questions.html", {"groups": _questions(stage, values)}
                )
                if values
                else parts.questions[role]  # rendered by our template: safe HTML
            )
        context.update(
            errors=errors,
            not_open=now < survey.opens_at,
            closed=now >= survey.closes_at,
            nonce=services.new_form_nonce(survey),
            values=values,
            questions=questions,
            quiz_questions=_quiz_questions(survey, role, values) if stage else [],
            csrf_token=get_token(request),
        )
    return HttpResponse(render_to_string("evaluation/rate.html", context), status=status)


def _quiz_questions(survey, role, values) -> list[dict]:
    """The post-lesson knowledge quiz (dangke.quizzes), asked of trainees on the day."""
    if role != RaterKind.TRAINEE or survey.kind != SurveyKind.ON_SITE:
        return []
    if not survey.rater_has_quiz:  # read with the survey: no query for most lessons
        return []
    from dangke.quizzes.services import form_questions, quiz_for

    quiz = quiz_for(survey)
    return form_questions(quiz, values) if quiz else []


def _questions(stage, values) -> list[tuple[str, list[dict]]]:
    """The leaves asked, grouped under their dimension; the highest value comes first
    because the stars are laid out right to left (so CSS alone can light the ones before)."""
    groups: dict[str, list[dict]] = {}
    for leaf in stage.leaves:
        selected = values.get(f"i_{leaf.key}", "")
        groups.setdefault(leaf.dimension, []).append(
            {
                "key": leaf.key,
                "name": leaf.name,
                "choices": [str(v) for v in range(leaf.scale_max, leaf.scale_min - 1, -1)],
                "selected": selected,
                "numeric": leaf.scale_max - leaf.scale_min > 4 or leaf.scale_min != 1,
            }
        )
    return list(groups.items())


def _submit(request, survey, role, invitation=None):
    parts = _page_parts(survey)
    rate_limit = _rate_limit(request, survey)
    raw = {key: value for key, value in request.POST.items() if key.startswith("i_")}
    try:
        _response, created = services.submit_response(
            survey,
            role=role,
            raw_answers={key[2:]: value for key, value in raw.items()},
            nonce=request.POST.get("nonce", ""),
            comment=request.POST.get("comment", ""),
            invitation=invitation,
            roles=parts.roles,
            rate_limit=rate_limit,
        )
    except services.RateLimited as error:
        return _refused(request, survey, role, parts, invitation, error.messages)
    except services.SurveyError as error:
        if not ratelimit.hit(rate_limit[0], limit=rate_limit[1]):  # counted by itself
            return _refused(request, survey, role, parts, invitation)
        return _render(
            request,
            survey,
            role,
            parts=parts,
            invitation=invitation,
            errors=error.messages,
            status=400,
        )
    asks_quiz = role == RaterKind.TRAINEE and survey.kind == SurveyKind.ON_SITE
    if created and asks_quiz and survey.rater_has_quiz:
        from dangke.quizzes.services import quiz_for, submit_quiz

        quiz = quiz_for(survey)
        if quiz:  # stored apart from the sheet, with no link to it
            submit_quiz(quiz, request.POST)
    response = _render(request, survey, role, parts=parts, invitation=invitation, done=True)
    if invitation is None:
        response.set_signed_cookie(
            _cookie_name(survey),
            str(survey.pk),
            salt=COOKIE_SALT,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _refused(request, survey, role, parts, invitation, messages=None):
    return _render(
        request,
        survey,
        role,
        parts=parts,
        invitation=invitation,
        errors=messages or [_("提交太频繁，请稍后再试")],
        status=429,
    )


@login_not_required  # raters are anonymous by construction
@never_cache
@csrf_protect
def rate(request, key):
    """A trainee's page behind the venue QR code."""
    survey = services.rater_survey(public_key=key)
    if survey is None:
        raise Http404
    if _answered(request, survey):
        return _render(request, survey, RaterKind.TRAINEE, done=True)
    if request.method == "POST":
        return _submit(request, survey, RaterKind.TRAINEE)
    return _render(request, survey, RaterKind.TRAINEE)


@login_not_required
@never_cache
@csrf_protect
def rate_invited(request, code):
    """A named rater's page behind a one-time invitation link."""
    invitation = get_object_or_404(
        Invitation.objects.unscoped("a rater's page, by the invitation link"), code=code
    )
    survey = services.rater_survey(pk=invitation.survey_id)
    if invitation.used_at and request.method != "POST":
        return _render(request, survey, invitation.role, invitation=invitation, done=True)
    if request.method == "POST":
        return _submit(request, survey, invitation.role, invitation)
    return _render(request, survey, invitation.role, invitation=invitation)
