"""The shell's navigation by role and the region switcher's choices."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from dangke.accounts.middleware import ACTIVE_REGION_SESSION_KEY
from dangke.accounts.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def main_navigation(context):
    request = context["request"]
    scope = request.scope
    items = [
        ("reports:dashboard", _("工作台"), "bi-speedometer2", True),
        (
            "regions:list",
            _("基层党组织"),
            "bi-diagram-3",
            bool(scope.region_codes or scope.organization_ids),
        ),
        ("faculty:list", _("师资库"), "bi-person-badge", True),
        ("courses:list", _("课程库"), "bi-journal-richtext", True),
        ("delivery:index", _("点单与排课"), "bi-calendar-check", True),
        ("evaluation:index", _("教学评估"), "bi-clipboard-check", bool(scope.region_codes)),
        ("media:list", _("微党课"), "bi-play-btn", bool(scope.region_codes or scope.teacher_ids)),
        ("broadcast:overview", _("大喇叭"), "bi-megaphone", bool(scope.region_codes)),
        ("training:index", _("培训"), "bi-mortarboard", True),
        (
            "contests:index",
            _("擂台赛"),
            "bi-trophy",
            bool(
                scope.region_codes
                or scope.teacher_ids
                or scope.group_ids
                or Role.JUDGE in scope.roles
            ),
        ),
        (
            "insights:index",
            _("授课分析"),
            "bi-soundwave",
            bool(scope.teacher_ids or scope.group_ids or scope.region_codes),
        ),
        (
            "members:index",
            _("党员学时"),
            "bi-person-lines-fill",
            bool(scope.region_codes or scope.organization_ids),
        ),
        (
            "workreport:index",
            _("年度报告"),
            "bi-file-earmark-text",
            bool(
                scope.is_superuser
                or (scope.region_codes and {Role.REGION_ADMIN, Role.ORGANISER} & set(scope.roles))
            ),
        ),
        (
            "imports:index",
            _("数据导入"),
            "bi-file-earmark-arrow-up",
            bool(scope.managed_region_codes),
        ),
        (
            "care:index",
            _("关怀"),
            "bi-heart",
            bool(
                scope.region_codes
                or scope.teacher_ids
                or scope.group_ids
                or Role.COUNSELLOR in scope.roles
            ),
        ),
        ("alliances:list", _("协作联盟"), "bi-people", bool(scope.managed_region_codes)),
    ]
    if Role.COUNSELLOR in scope.roles:  # a counsellor's login sees nothing but counselling
        from dangke.care.access import is_counsellor_only

        if is_counsellor_only(scope):
            items = [("care:counselling", _("心理辅导"), "bi-heart", True)]
    only = _single_purpose_entries(scope)
    path = request.path
    navigation = []
    for name, label, icon, shown in items:
        if not shown or (only is not None and name not in only):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app that is not installed on this deployment
            continue
        active = path == url if url == "/" else path.startswith(url)
        navigation.append({"url": url, "label": label, "icon": icon, "active": active})
    return navigation


# Logins with one narrow job see the entries of that job only (DESIGN §2a): a judge scores
# sheets, a group leader follows the group's teachers and courses, an organiser runs classes
# and surveys. Others (the office, teachers, liaisons) see every entry their scope opens.
JUDGE_ENTRIES = {"reports:dashboard", "contests:index"}
GROUP_LEADER_ENTRIES = {
    "reports:dashboard",
    "faculty:list",
    "courses:list",
    "contests:index",
    "insights:index",
    "training:index",
    "care:index",
}
ORGANISER_ENTRIES = {
    "reports:dashboard",
    "training:index",
    "evaluation:index",
    "delivery:index",  # a lesson's page is where a survey is opened for it
    "faculty:list",
    "courses:list",
    "contests:index",
    "regions:list",
    "workreport:index",
}


def _single_purpose_entries(scope) -> set[str] | None:
    from dangke.accounts.landing import is_group_leader_only, is_judge_only, is_organiser_only

    if is_judge_only(scope):
        return JUDGE_ENTRIES
    if is_group_leader_only(scope) and not scope.teacher_ids:
        return GROUP_LEADER_ENTRIES
    if is_organiser_only(scope) and not (scope.group_ids or scope.teacher_ids):
        return ORGANISER_ENTRIES
    return None


@register.simple_tag(takes_context=True)
def region_choices(context):
    """(code, label, selected) for the regions a user may narrow their view to: each region
    they are bound to and the counties (or townships) directly under it."""
    from dangke.regions.models import Region

    request = context["request"]
    scope = request.scope
    roots = [code for code in scope.allowed_region_codes if code]
    if not roots:
        return []
    active = request.session.get(ACTIVE_REGION_SESSION_KEY, "")
    regions = Region.objects.filter(code__in=roots) | Region.objects.filter(parent_id__in=roots)
    choices = [("", _("全部范围"), not active)]
    for region in regions.unscoped("switcher: the user's own regions and those below").order_by(
        "code"
    ):
        indent = "" if region.code in roots else "　"
        choices.append((region.code, indent + region.name, region.code == active))
    return choices


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    from dangke.core.models import Notification

    request = context["request"]
    return (
        Notification.objects.visible_to(request.scope)
        .filter(user_id=request.user.pk, read_at__isnull=True)
        .count()
    )
