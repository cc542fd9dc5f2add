"""The rater's page, opened from the venue QR code or a one-time invitation link.

Built for a cheap phone on a weak signal: one small page with its own inline styles (no
framework, no script), stars that are plain radio buttons, and a form that works without
JavaScript. No login and no session: the only thing kept in the browser is a signed cookie
saying this survey was answered, and the only thing kept on the server about the rater is
the answer sheet itself.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
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


def _rate_limited(request, survey: Survey) -> bool:
    """At most N submissions a minute from one network address per survey. A hall on the
    venue's Wi-Fi or a carrier's NAT shares one address, so the limit is never below the
    lesson's attendance (and 120 when it is not recorded yet); the address is hashed with
    the secret key and kept only as a rate-limit key deleted minutes later
    (`core.ratelimit`: a true minute, which refused requests do not extend)."""
    limit = max(getattr(settings, "DANGKE_SURVEY_RATE_LIMIT", 120), survey.attendance or 0)
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{survey.pk}:{address}".encode()).hexdigest()
    return not ratelimit.hit(f"survey:{digest[:48]}", limit=limit, seconds=60)


def _render(
    request, survey, role, *, invitation=None, errors=(), done=False, status=200, roles=None
):
    roles = roles if roles is not None else services.stage_roles(survey)
    stage = roles.get(role)
    now = timezone.now()
    values = request.POST if errors else {}
    context = {
        "survey": survey,
        "lesson": survey.lesson,
        "role": stage,
        "invitation": invitation,
        "errors": errors,
        "done": done,
        "not_open": not done and now < survey.opens_at,
        "closed": not done and now >= survey.closes_at,
        "nonce": services.new_form_nonce(survey),
        "values": values,
        "groups": _questions(stage, values) if stage else [],
        "follow_up": survey.kind == SurveyKind.FOLLOW_UP,
        "quiz_questions": _quiz_questions(survey, role, values) if stage and not done else [],
    }
    return render(request, "evaluation/rate.html", context, status=status)


def _quiz_questions(survey, role, values) -> list[dict]:
    """The post-lesson knowledge quiz (dangke.quizzes), asked of trainees on the day."""
    if role != RaterKind.TRAINEE or survey.kind != SurveyKind.ON_SITE:
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
        groups.setdefault(leaf.parent.name if leaf.parent_id else "", []).append(
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
    if _rate_limited(request, survey):
        return _render(
            request,
            survey,
            role,
            invitation=invitation,
            errors=[_("提交太频繁，请稍后再试")],
            status=429,
        )
    raw = {key: value for key, value in request.POST.items() if key.startswith("i_")}
    roles = services.stage_roles(survey)  # read once: a hall of phones calls this page
    try:
        _response, created = services.submit_response(
            survey,
            role=role,
            raw_answers={key[2:]: value for key, value in raw.items()},
            nonce=request.POST.get("nonce", ""),
            comment=request.POST.get("comment", ""),
            invitation=invitation,
            roles=roles,
        )
    except services.SurveyError as error:
        return _render(
            request,
            survey,
            role,
            invitation=invitation,
            errors=error.messages,
            status=400,
            roles=roles,
        )
    if created and role == RaterKind.TRAINEE and survey.kind == SurveyKind.ON_SITE:
        from dangke.quizzes.services import quiz_for, submit_quiz

        quiz = quiz_for(survey)
        if quiz:  # stored apart from the sheet, with no link to it
            submit_quiz(quiz, request.POST)
    response = _render(request, survey, role, invitation=invitation, done=True, roles=roles)
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


@login_not_required  # raters are anonymous by construction
@never_cache
@csrf_protect
def rate(request, key):
    """A trainee's page behind the venue QR code."""
    survey = get_object_or_404(
        Survey.objects.unscoped("a trainee's page, by the survey's public key").select_related(
            "lesson__course", "lesson__organization", "system"
        ),
        public_key=key,
    )
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
        Invitation.objects.unscoped("a rater's page, by the invitation link").select_related(
            "survey__lesson__course", "survey__lesson__organization", "survey__system"
        ),
        code=code,
    )
    survey = invitation.survey
    if invitation.used_at and request.method != "POST":
        return _render(request, survey, invitation.role, invitation=invitation, done=True)
    if request.method == "POST":
        return _submit(request, survey, invitation.role, invitation)
    return _render(request, survey, invitation.role, invitation=invitation)
