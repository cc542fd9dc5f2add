"""Forms of the ordering, planning and sign-in pages. They only parse input; the rules
(what may be ordered, which dates are valid) live in `dangke.delivery.services`."""

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.core.calendar import report_year
from dangke.core.forms import RowsChoiceField
from dangke.courses.categories import CourseCategory
from dangke.delivery.models import Campaign, DeliveryMode
from dangke.delivery.planning import ancestor_codes
from dangke.delivery.rules import may_order_for
from dangke.delivery.services import orderable_courses
from dangke.faculty.models import TeacherLevel
from dangke.regions.models import Organization, Region


class BootstrapMixin:
    def style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def ordering_organizations(scope):
    """The organisations the user may order for, as far as they see them."""
    visible = Organization.objects.visible_to(scope).select_related("region").order_by("code")
    if scope.organization_ids and not scope.managed_region_codes and not scope.is_superuser:
        return visible.filter(pk__in=scope.organization_ids)
    allowed = [org.pk for org in visible if may_order_for(scope, org)]
    return visible.filter(pk__in=allowed)


class OrderForm(BootstrapMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("点单组织"), queryset=Organization.objects.none()
    )
    course = forms.ModelChoiceField(
        label=gettext_lazy("课程"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("可以只选课程类别，由组织部门安排具体课程"),
    )
    category = forms.ChoiceField(label=gettext_lazy("课程类别"), required=False)
    dates = forms.CharField(
        label=gettext_lazy("可选日期"),
        required=False,
        help_text=gettext_lazy("多个日期用逗号或空格分隔，如 2026-05-06, 2026-05-08"),
    )
    earliest = forms.DateField(
        label=gettext_lazy("或：最早日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    latest = forms.DateField(
        label=gettext_lazy("最晚日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    expected_attendees = forms.IntegerField(label=gettext_lazy("预计参学人数"), min_value=1)
    venue = forms.CharField(label=gettext_lazy("授课地点"), max_length=120, required=False)
    mode = forms.ChoiceField(
        label=gettext_lazy("授课方式"), choices=DeliveryMode.choices, initial=DeliveryMode.OFFLINE
    )
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("专项活动"), queryset=Campaign.objects.none(), required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *, scope, fixed_organization=None, **kwargs):
        super().__init__(data, **kwargs)
        organizations = ordering_organizations(scope)
        if fixed_organization is not None:
            organizations = organizations.filter(pk=fixed_organization.pk)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first().pk
        self.fields["course"].queryset = orderable_courses(scope).order_by("category", "code")
        self.fields["category"].choices = [("", _("（随课程）")), *CourseCategory.choices]
        regions = set()
        for code in organizations.values_list("region_id", flat=True):
            regions.update([code, *ancestor_codes(code)])
        self.fields["campaign"].queryset = (
            Campaign.objects.unscoped("campaigns of the organisations' regions")
            .filter(region_id__in=regions, ends_on__gte=timezone.localdate())
            .order_by("starts_on")
        )
        self.style()

    def clean_dates(self):
        text = self.cleaned_data.get("dates", "")
        days = []
        for part in re.split(r"[\s,，、;；]+", text.strip()):
            if not part:
                continue
            try:
                days.append(datetime.date.fromisoformat(part))
            except ValueError as error:
                raise forms.ValidationError(
                    _("%(value)s 不是有效日期（YYYY-MM-DD）") % {"value": part}
                ) from error
        return days

    def service_fields(self) -> dict:
        """The cleaned values, named as the services take them."""
        data = self.cleaned_data
        return {
            "course": data["course"],
            "category": data["category"] or "",
            "dates": data["dates"],
            "earliest": data["earliest"],
            "latest": data["latest"],
            "expected_attendees": data["expected_attendees"],
            "venue": data["venue"],
            "mode": data["mode"],
            "notes": data["notes"],
            "campaign": data["campaign"],
        }

    @staticmethod
    def initial_of(order) -> dict:
        return {
            "organization": order.organization_id,
            "course": order.course_id,
            "category": "" if order.course_id else order.category,
            "dates": ", ".join(order.dates or []),
            "earliest": order.earliest,
            "latest": order.latest,
            "expected_attendees": order.expected_attendees,
            "venue": order.venue,
            "mode": order.mode,
            "campaign": order.campaign_id,
            "notes": order.notes,
        }


def add_service_errors(form, error) -> None:
    """Put a service's DeliveryError on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class MenuFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("课程类别"), required=False)
    series = forms.ChoiceField(label=gettext_lazy("课程群组"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("师资级别"), required=False)
    order = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=[("", gettext_lazy("按类别")), ("rating", gettext_lazy("按评分"))],
    )
    excellent = forms.BooleanField(label=gettext_lazy("只看精品课"), required=False)

    def __init__(self, data=None, *, series_choices=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *CourseCategory.choices]
        self.fields["series"].choices = [("", _("全部群组")), *series_choices]
        self.fields["level"].choices = [("", _("全部级别")), *TeacherLevel.choices]
        self.style()


class PlanStartForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("排课区划"))
    month = forms.CharField(
        label=gettext_lazy("月份"), widget=forms.DateInput(attrs={"type": "month"})
    )
    use_greedy = forms.BooleanField(label=gettext_lazy("贪心基线（仅用于对比）"), required=False)

    def __init__(self, data=None, *, scope, **kwargs):
        super().__init__(data, **kwargs)
        if scope.is_superuser and not scope.managed_region_codes:
            regions = Region.objects.filter(level__in=["city", "county"])
        else:
            roots = list(scope.managed_region_codes)
            condition = Q(code__in=roots) | Q(parent_id__in=roots)
            regions = Region.objects.unscoped("regions the user manages and those below").filter(
                condition
            )
        self.fields["region"].choices = [(r.code, r.name) for r in regions.order_by("code")]
        following = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(
            day=1
        )
        self.fields["month"].initial = following.strftime("%Y-%m")
        self.style()

    def clean_month(self):
        try:
            year, month = (int(part) for part in self.cleaned_data["month"].split("-"))
            first = datetime.date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(_("请按 YYYY-MM 填写月份")) from error
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return first, last


class SignInForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=32)
    phone = forms.CharField(
        label=gettext_lazy("手机号"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    organization_name = forms.CharField(
        label=gettext_lazy("所在单位"), max_length=120, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


# --- coverage, campaigns, attendance lists, lessons outside the plan -------------------------


class CoverageFilterForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年度"), min_value=2000, max_value=2100, required=False
    )
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("专项活动"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, data=None, *, scope, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].initial = report_year()
        self.fields["campaign"].queryset = Campaign.objects.visible_to(scope).order_by(
            "-starts_on", "name"
        )
        self.fields["campaign"].empty_label = _("全部（不限活动）")
        self.style()

    def choice(self) -> tuple[int, Campaign | None]:
        """The year and campaign asked for; what fails validation falls back to defaults."""
        year, campaign = report_year(), None
        if self.is_bound:
            self.is_valid()
            year = self.cleaned_data.get("year") or year
            campaign = self.cleaned_data.get("campaign")
        return year, campaign


def managed_region_choices(scope) -> list[tuple[str, str]]:
    """The regions an admin administers and those directly below them."""
    if scope.is_superuser and not scope.managed_region_codes:
        regions = Region.objects.unscoped("a superuser's counties").filter(level__lte=3)
    else:
        roots = list(scope.managed_region_codes)
        regions = Region.objects.unscoped("regions the user manages and those below").filter(
            Q(code__in=roots) | Q(parent_id__in=roots)
        )
    return [(r.code, r.name) for r in regions.order_by("code")]


class CampaignForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("活动名称"), max_length=120)
    region = forms.ChoiceField(label=gettext_lazy("组织区划"))
    starts_on = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    target_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("面向的组织类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选为全部类型"),
    )
    target_lessons = forms.IntegerField(label=gettext_lazy("目标授课场次"), min_value=0, initial=0)
    target_members = forms.IntegerField(
        label=gettext_lazy("目标覆盖党员数"), min_value=0, initial=0
    )
    description = forms.CharField(
        label=gettext_lazy("活动说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *, scope, **kwargs):
        from dangke.regions.models import OrganizationKind

        super().__init__(data, **kwargs)
        self.fields["region"].choices = managed_region_choices(scope)
        self.fields["target_kinds"].choices = OrganizationKind.choices
        self.style()
        self.fields["target_kinds"].widget.attrs.pop("class", None)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "region_code": data["region"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "target_kinds": data["target_kinds"],
            "target_lessons": data["target_lessons"] or 0,
            "target_members": data["target_members"] or 0,
            "description": data["description"],
        }


PHONE = re.compile(r"^\+?\d[\d-]{6,19}$")


def parse_attendance_list(text: str) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """Lines of "姓名 手机号 单位" (separated by spaces, tabs or commas; phone and unit may
    be left out) as rows for `record_attendance_list`, and the lines that could not be read
    as (line number, line, why)."""
    rows, errors, phones = [], [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = re.split(r"[\s,，;；]+", line, maxsplit=2)
        name, phone, unit = parts[0], "", ""
        rest = parts[1:]
        if rest and PHONE.match(rest[0]):
            phone = rest.pop(0)
        elif rest and re.search(r"\d{5,}", rest[0]):
            errors.append((number, line, _("手机号「%(phone)s」格式不对") % {"phone": rest[0]}))
            continue
        unit = " ".join(rest)
        if len(name) > 32:
            errors.append((number, line, _("姓名太长（最多 32 个字）")))
        elif re.search(r"\d", name):
            errors.append((number, line, _("第一项应为姓名")))
        elif len(unit) > 120:
            errors.append((number, line, _("单位名称太长（最多 120 个字）")))
        elif phone and phone in phones:
            errors.append((number, line, _("手机号与第 %(line)s 行重复") % {"line": phones[phone]}))
        else:
            if phone:
                phones[phone] = number
            rows.append({"name": name, "phone": phone, "organization": unit})
    return rows, errors


class AttendanceListForm(BootstrapMixin, forms.Form):
    attendees = forms.CharField(
        label=gettext_lazy("签到名单"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "张三 13800000000 张公桥社区"}),
        help_text=gettext_lazy("每行一人：姓名 手机号 单位（空格分隔，手机号和单位可不填）"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ManualLessonForm(BootstrapMixin, forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("课程"), queryset=None)
    teachers = RowsChoiceField(label=gettext_lazy("授课师资"), queryset=None, required=False)
    lecture_team = forms.ModelChoiceField(
        label=gettext_lazy("或：宣讲队"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("未选师资时，按宣讲队成员登记"),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("承办组织"), queryset=Organization.objects.none()
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("时长(分钟)"),
        min_value=10,
        max_value=600,
        required=False,
        help_text=gettext_lazy("不填按课程时长"),
    )
    venue = forms.CharField(label=gettext_lazy("授课地点"), max_length=120, required=False)
    mode = forms.ChoiceField(
        label=gettext_lazy("授课方式"), choices=DeliveryMode.choices, initial=DeliveryMode.OFFLINE
    )
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("专项活动"), queryset=Campaign.objects.none(), required=False
    )
    attendees_count = forms.IntegerField(
        label=gettext_lazy("参学人数"), min_value=0, initial=0, required=False
    )

    def __init__(self, data=None, *, scope, **kwargs):
        from dangke.faculty.models import LectureTeam, Teacher

        super().__init__(data, **kwargs)
        self.fields["course"].queryset = orderable_courses(scope).order_by("category", "code")
        # The teachers the user sees, and those of the courses on their menu (the menu
        # shows them already): a liaison sees no teachers by region, yet records who came.
        menu_teachers = Teacher.objects.filter(courses__in=orderable_courses(scope))
        self.fields["teachers"].queryset = (
            Teacher.objects.unscoped("teachers in scope or on the user's menu")
            .filter(
                Q(pk__in=Teacher.objects.visible_to(scope).values("pk"))
                | Q(pk__in=menu_teachers.values("pk"))
            )
            .order_by("code")
        )
        self.fields["lecture_team"].queryset = LectureTeam.objects.visible_to(scope).order_by(
            "name"
        )
        self.fields["organization"].queryset = ordering_organizations(scope)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(scope).order_by("-starts_on")
        self.style()

    def clean(self):
        data = super().clean()
        if not data.get("teachers") and not data.get("lecture_team"):
            self.add_error("teachers", _("请选择授课师资或宣讲队"))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "course": data["course"],
            "organization": data["organization"],
            "starts_at": data["starts_at"],
            "teachers": list(data["teachers"] or []),
            "lecture_team": data["lecture_team"],
            "duration_minutes": data["duration_minutes"],
            "venue": data["venue"],
            "mode": data["mode"],
            "campaign": data["campaign"],
            "attendees_count": data["attendees_count"] or 0,
        }
