"""Walking every URL pattern of the site (issue #17): the routes with their converters, the
object each id names, the forms a page offers and junk to fill them with. Shared by
tests/test_junk_input.py and tests/test_cross_county_urls.py."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.urls import resolve
from django.urls.exceptions import Resolver404

from tests.test_public_pages import _patterns

API_PREFIX = "api/v1/"
# Django's admin is for superusers (no role of the world is one) and its regex routes take
# no converter to fill; the static files are WhiteNoise's.
NOT_WALKED = ("admin/",)
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")

ROLES = (
    "city_admin",
    "county_a_admin",
    "county_b_admin",
    "organiser",
    "group_leader",
    "teacher_user",
    "liaison",
    "judge",
    "anonymous",
)


def routes():
    """(route, name) of every walked URL pattern, admin's aside."""
    return [(route, name) for route, name in _patterns() if not route.startswith(NOT_WALKED)]


def parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each path parameter; ninja's plain `<name>` counts as str."""
    return [(m["kind"] or "str", m["name"]) for m in CONVERTER.finditer(route)]


def fill(route: str, values: dict) -> str:
    return "/" + CONVERTER.sub(lambda m: str(values[m["name"]]), route)


# Junk for a path parameter, by converter. An int converter takes digits only: beyond 64
# bits, just beyond, zero. A str one takes anything but "/".
JUNK_PATH = {
    "int": ["9" * 30, "9223372036854775808", "0", "18446744073709551616"],
    "str": [
        "x" * 600,
        "党课·微课",
        "..",
        "' OR 1=1 --",
        "%2e%2e%2fetc%2fpasswd",
        "-1",
        "9" * 30,
        "<script>",
        "0",
    ],
}

# Junk for a form field: beyond 64 bits, empty, letters, a digit int() refuses, negative,
# a fraction, an impossible date, very long text, and several values for one name.
JUNK_VALUES = [
    "9" * 30,
    "",
    "abc",
    "²",
    "-1",
    "1.5",
    "2026-13-45",
    "x" * 5000,
    ["1", "abc", "9" * 30],
    "0",
    "NaN",
    "' OR 1=1 --",
]
# Fields views read from request.POST/GET directly, without a form the page shows.
COMMON_FIELDS = [
    "pk",
    "id",
    "status",
    "page",
    "essay",
    "year",
    "score",
    "weight",
    "reason",
    "amount",
    "margin",
    "course",
    "teacher",
    "judge",
    "entry",
    "assignment",
    "parent",
    "record",
    "order",
    "date",
    "index",
    "kind",
    "action",
    "decision",
    "stage",
    "basis",
    "round",
    "capacity",
    "campaign",
    "organization",
    "region",
    "name",
    "title",
    "body",
    "note",
    "names",
    "role",
    "flag",
    "next",
    "q",
    "sort",
    "export",
    "format",
    "month",
    "code",
    "key",
]


def junk_form(names, seed: int) -> dict:
    """Each field gets a junk value, turning with `seed` so that two calls differ."""
    return {
        name: JUNK_VALUES[(seed + index) % len(JUNK_VALUES)]
        for index, name in enumerate(sorted(set(names)))
    }


class FormsOnPage(HTMLParser):
    """The POST forms of a page: action path → the field names it posts."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, set[str]] = {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() != "post":
                self._current = None
                return
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self._current = self.forms.setdefault(action, set())
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._current.add(name)
        # a field outside its form names it with form="id"; the page's path is a fair guess
        if tag in ("input", "select", "textarea") and attrs.get("form") and attrs.get("name"):
            self.forms.setdefault(self.page_path, set()).add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_on(response, path) -> dict[str, set[str]]:
    if "html" not in response.get("Content-Type", ""):
        return {}
    parser = FormsOnPage(path)
    parser.feed(response.content.decode("utf-8", "replace"))
    return {action: names for action, names in parser.forms.items() if _is_ours(action)}


def _is_ours(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return not path.startswith("/" + NOT_WALKED[0])


def is_message(response, path: str) -> bool:
    """A 4xx that tells its reader something: a page with a heading (the site's error
    pages, a form shown again with its errors). The API answers its clients in JSON with a
    `detail`, or (ninja's 405) in a line of text; an address under it that names no
    operation gets the site's 404 page."""
    body = response.content.decode("utf-8", "replace")
    if "<html" in body and re.search(r"<h1[^>]*>\s*\S", body):
        return True
    if path.startswith("/" + API_PREFIX):
        try:
            return bool(json.loads(body).get("detail"))
        except (ValueError, AttributeError):
            return response.status_code == 405 and bool(body.strip())
    return False


# url name → why its 4xx is a line of text, not a page.
NOT_PAGES = {
    "media:event": "the watch page's script posts views here; nobody opens it",
}


def problem(response, path: str, name: str) -> str | None:
    """What is wrong with an answer to junk, or None: a 5xx, or a 4xx without a message."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if 400 <= status < 500 and not is_message(response, path):
        if name in NOT_PAGES and response.content.strip():
            return None
        return f"{status} without a message: {response.content[:80]!r}"
    return None


def model(label: str):
    return apps.get_model(label)


# --- The object each id of a URL names ---------------------------------------------------
# url name → the path parameters for a row, given `row(label)`: the row of that model in
# the county under test. A pattern with a parameter that is in neither this table nor
# NOT_AN_OBJECT fails tests/test_cross_county_urls.py.
def _pk(label, name="pk"):
    return lambda row: {name: row(label).pk}


def _nested(label, outer, inner, via):
    def kwargs(row):
        obj = row(label)
        return {outer: getattr(obj, via), inner: obj.pk}

    return kwargs


def _with(label, **fixed):
    return lambda row: {"pk": row(label).pk, **fixed}


OBJECT_URLS = {
    **dict.fromkeys(["regions:detail", "regions:edit"], _pk("regions.Organization")),
    **dict.fromkeys(
        [
            "faculty:detail",
            "faculty:edit",
            "faculty:status",
            "faculty:photo",
            "faculty:career",
            "faculty:development",
            "faculty:trial_new",
            "media:teacher_feedback",
            "evaluation:teacher_score",
            "care:dossier",
        ],
        _pk("faculty.Teacher"),
    ),
    "faculty:proposal_decide": _pk("faculty.StatusProposal"),
    **dict.fromkeys(
        [
            "faculty:fund",
            "faculty:fund_allocate",
            "faculty:fund_approve",
            "faculty:fund_export",
            "faculty:fund_certificates",
        ],
        _pk("faculty.RewardFund"),
    ),
    "faculty:allocation_adjust": _pk("faculty.RewardAllocation"),
    **dict.fromkeys(
        [
            "courses:detail",
            "courses:edit",
            "courses:status",
            "courses:outline",
            "courses:courseware",
            "courses:package",
            "evaluation:course_score",
            "quizzes:bank",
            "quizzes:bank_template",
            "quizzes:bank_export",
        ],
        _pk("courses.Course"),
    ),
    "courses:courseware_file": lambda row: {
        "pk": row("courses.Courseware").course_id,
        "version": row("courses.Courseware").version,
    },
    **dict.fromkeys(
        ["imports:job", "imports:job_progress", "imports:job_errors", "imports:job_confirm"],
        _pk("imports.ImportJob"),
    ),
    "broadcast:programme_audio": _pk("broadcast.AudioProgramme"),
    **dict.fromkeys(
        ["media:detail", "media:edit", "media:status", "media:office_file", "media:feedback"],
        _pk("media.MediaWork"),
    ),
    "media:catalogue_change": lambda row: {
        "kind": "columns",
        "pk": row("media.MediaColumn").pk,
        "action": "archive",
    },
    "media:moderate": _pk("media.MediaComment"),
    **dict.fromkeys(
        ["delivery:order_edit", "delivery:order_withdraw"], _pk("delivery.CourseOrder")
    ),
    **dict.fromkeys(
        [
            "delivery:plan",
            "delivery:plan_progress",
            "delivery:plan_pin",
            "delivery:plan_forbid",
            "delivery:plan_release",
            "delivery:plan_publish",
        ],
        _pk("delivery.PlanRun"),
    ),
    **dict.fromkeys(
        ["delivery:lesson", "delivery:lesson_checkin", "delivery:lesson_attendance_list"],
        _pk("delivery.Lesson"),
    ),
    "delivery:lesson_action": _with("delivery.Lesson", action="cancel"),
    "delivery:campaign": _pk("delivery.Campaign"),
    **dict.fromkeys(
        [
            "evaluation:open_for_lesson",
            "evaluation:lesson_score",
            "evaluation:lesson_score_document",
            "members:lesson_roster",
        ],
        _pk("delivery.Lesson", "lesson_pk"),
    ),
    **dict.fromkeys(
        ["evaluation:open_for_class", "evaluation:class_score"],
        _pk("training.TrainingClass", "class_pk"),
    ),
    **dict.fromkeys(
        [
            "evaluation:survey",
            "evaluation:survey_poster",
            "evaluation:survey_slide",
            "evaluation:survey_invite",
            "evaluation:invitation_links",
            "evaluation:survey_close",
            "evaluation:survey_surplus",
            "evaluation:survey_exclude",
            "evaluation:follow_up_share",
        ],
        _pk("evaluation.Survey"),
    ),
    "quizzes:set_quiz": _pk("evaluation.Survey", "survey_pk"),
    "evaluation:exclusion_revoke": _pk("evaluation.ResponseExclusion"),
    "evaluation:comment_review": _pk("evaluation.SurveyComment"),
    **dict.fromkeys(
        [
            "evaluation:system",
            "evaluation:system_add",
            "evaluation:system_copy",
            "evaluation:system_roles",
        ],
        _pk("evaluation.IndicatorSystem"),
    ),
    "evaluation:system_remove": lambda row: {
        "pk": row("evaluation.IndicatorSystem").pk,
        "node_pk": row("evaluation.IndicatorSystem").indicators.order_by("pk").last().pk,
    },
    "evaluation:rule_apply": _pk("evaluation.FeedbackRule"),
    "evaluation:rectification": _pk("evaluation.Rectification"),
    "evaluation:proposal_decide": _pk("evaluation.ExcellentProposal"),
    **dict.fromkeys(
        [
            "training:detail",
            "training:module_add",
            "training:advance",
            "training:enroll",
            "training:cascade",
            "training:topic_add",
            "care:class",
        ],
        _pk("training.TrainingClass"),
    ),
    **dict.fromkeys(
        ["training:module_adjust", "training:attendance"], _pk("training.TrainingModule")
    ),
    **dict.fromkeys(
        ["training:choose", "training:essay_submit", "care:needs"], _pk("training.Enrollment")
    ),
    "training:topic": _pk("training.ForumTopic"),
    "training:post_hide": _pk("training.Post"),
    "training:essay_review": _pk("training.Essay"),
    **dict.fromkeys(
        [
            "contests:detail",
            "contests:advance",
            "contests:settings",
            "contests:add_entry",
            "contests:add_judge",
            "contests:declare_conflict",
            "contests:assignment",
            "contests:ranking",
            "contests:ranking_export",
            "contests:notice",
            "contests:promote",
            "contests:hall",
            "contests:hall_live",
        ],
        _pk("contests.Contest"),
    ),
    "contests:entry": _nested("contests.ContestEntry", "pk", "entry_pk", "contest_id"),
    "contests:void_sheets": _nested("contests.Judge", "pk", "judge_pk", "contest_id"),
    "contests:decide_objection": _nested("contests.Objection", "pk", "objection_pk", "contest_id"),
    "contests:certificate": _pk("contests.ContestAward"),
    **dict.fromkeys(
        [
            "insights:detail",
            "insights:progress",
            "insights:boundaries",
            "insights:rerun",
            "insights:pdf",
            "insights:share",
        ],
        _pk("insights.DeliveryAnalysis"),
    ),
    "insights:analyse_entry": _pk("contests.ContestEntry", "entry_pk"),
    "care:room": _pk("care.Room"),
    "care:cancel": _pk("care.RoomBooking"),
    "care:stay_cancel": _pk("care.Stay"),
    "care:move": _pk("care.CounsellingRequest"),
    "care:sign_up": _pk("care.Talk"),
    "care:cards": _pk("care.CardBatch"),
    "workreport:progress": _pk("workreport.AnnualReport"),
    "exports:detail": _pk("imports.ExportJob"),
    "exports:download": _pk("imports.ExportJob"),
    "workreport:download": _with("workreport.AnnualReport", kind="pdf"),
    "members:year": _pk("members.StudyYear"),
    **dict.fromkeys(
        ["members:progress", "members:collective_new"],
        _pk("regions.Organization", "organization_pk"),
    ),
    "advice:organization": _pk("regions.Organization"),
    "members:collective_review": _pk("members.CollectiveStudy"),
    "members:class": _pk("members.StudyClass"),
    **dict.fromkeys(["members:detail", "members:reissue_link"], _pk("members.Member")),
    "api:get_organization": _pk("regions.Organization", "organization_id"),
    "api:get_teacher": _pk("faculty.Teacher", "teacher_id"),
    "api:get_course": _pk("courses.Course", "course_id"),
    **dict.fromkeys(
        ["api:get_lesson", "api:get_lesson_score"], _pk("delivery.Lesson", "lesson_id")
    ),
    **dict.fromkeys(
        ["api:get_contest", "api:get_contest_results"], _pk("contests.Contest", "contest_id")
    ),
    **dict.fromkeys(
        [
            "alliances:detail",
            "alliances:share",
            "alliances:request_exchange",
            "alliances:hold_event",
        ],
        _pk("alliances.Alliance"),
    ),
    "alliances:withdraw": _nested("alliances.CourseShare", "pk", "share_pk", "alliance_id"),
    "alliances:decide": _nested("alliances.TeacherExchange", "pk", "exchange_pk", "alliance_id"),
    "alliances:end_exchange": _nested(
        "alliances.TeacherExchange", "pk", "exchange_pk", "alliance_id"
    ),
    "alliances:register_for_event": _nested(
        "alliances.JointEvent", "pk", "event_pk", "alliance_id"
    ),
    "alliances:record_attendance": _nested("alliances.JointEvent", "pk", "event_pk", "alliance_id"),
    **dict.fromkeys(
        ["alliances:event_detail", "alliances:add_event_session"],
        _nested("alliances.JointEvent", "pk", "event_pk", "alliance_id"),
    ),
    "alliances:remove_event_session": lambda row: {
        "pk": row("alliances.JointEventSession").alliance_id,
        "event_pk": row("alliances.JointEventSession").event_id,
        "session_pk": row("alliances.JointEventSession").pk,
    },
}

# url name → why its parameter does not name a row the sweep must hide.
NOT_AN_OBJECT = {
    "imports:template": "names a kind of import, the same for every county",
    "imports:upload": "names a kind of import, the same for every county",
    "media:catalogue_create": "names a kind of catalogue entry (column or series)",
    "care:add": "names what to add (a counsellor or a talk)",
    "media:portal": "public: the micro-lesson portal of any region, for members' phones",
    "media:watch": "public: a published micro-lesson, watched by anyone with the link",
    "media:file": "public: the video of a published micro-lesson",
    "media:event": "public: a view counted from the public watch page",
    "delivery:ical": "public by its signed token, which is the scope",
    "delivery:sign": "public by the lesson's sign-in token (QR code)",
    "evaluation:rate": "public by the survey's key (QR code), anonymous by construction",
    "evaluation:rate_invited": "public by an invited rater's one-time code",
    "quizzes:pre_test": "public by the survey's key, anonymous like the survey",
    "members:mine": "public by a member's private link",
    "contests:judge_home": "public by a judge's secret key",
    "contests:judge_sheet": "public by a judge's secret key; the sheet must be the judge's",
    "contests:judge_material": "public by a judge's secret key; the entry must be the judge's",
    "api:station_programme_audio": "loudspeakers only, by their station token",
}
