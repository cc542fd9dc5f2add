"""Forms of the ordering, planning and sign-in pages. They only parse input; the rules
(what may be ordered, which dates are valid) live in `dangke.delivery.services`."""

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.courses.categories import CourseCategory
from dangke.delivery.models import Campaign, DeliveryMode
from dangke.delivery.planning import ancestor_codes
from dangke.delivery.rules import may_order_for
from dangke.delivery.services import orderable_courses
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
        self.fields["campaign"].queryset = Campaign.objects.filter(
            region_id__in=regions, ends_on__gte=timezone.localdate()
        ).order_by("starts_on")
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
    excellent = forms.BooleanField(label=gettext_lazy("只看精品课"), required=False)

    def __init__(self, data=None, *, series_choices=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *CourseCategory.choices]
        self.fields["series"].choices = [("", _("全部群组")), *series_choices]
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
            regions = Region.objects.filter(condition)
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
