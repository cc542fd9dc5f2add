"""Pages of advice: an organisation's suggested courses, a county's gaps by category and the
warning list. Thin: the services compute, these read the request and render."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.accounts.scoping import get_visible_or_404
from dangke.advice import services
from dangke.core.calendar import report_year
from dangke.core.export import xlsx_response
from dangke.courses.categories import CourseCategory
from dangke.faculty.models import TeacherLevel, TeachingGroup
from dangke.regions.models import Organization, OrganizationKind


@login_required
def organisation_suggestions(request, pk):
    organization = get_visible_or_404(Organization, request.scope, pk=pk)
    advice = services.suggestions_for(request.scope, organization, limit=8)
    return render(request, "advice/organization.html", {"advice": advice})


class GapForm(forms.Form):
    county = forms.ChoiceField(label=gettext_lazy("县（区）"), required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000)
    category = forms.ChoiceField(
        label=gettext_lazy("课程类别"),
        required=False,
        choices=[("", gettext_lazy("全部类别")), *CourseCategory.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("组织类型"),
        required=False,
        choices=[("", gettext_lazy("全部类型")), *OrganizationKind.choices],
    )

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, c.full_name) for c in counties]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].widget.attrs["class"] = "form-control form-control-sm"


@login_required
def county_gaps(request):
    """Which organisations of a county have had no lesson of a category this year (the
    office's view; an organisation's own liaison has its suggestions instead)."""
    if not (request.scope.region_codes or request.scope.is_superuser):
        raise Http404
    counties = list(services.counties_for(request.scope))
    form = GapForm(request.GET or None, counties=counties, initial={"year": report_year()})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = data.get("county") or (counties[0].code if counties else "")
    county = next((c for c in counties if c.code == chosen), None)
    year = data.get("year") or report_year()
    category, kind = data.get("category", ""), data.get("kind", "")
    gaps = (
        services.county_gap_rows(request.scope, county, year, category=category, kind=kind)
        if county
        else None
    )
    if gaps and request.GET.get("export") == "xlsx":
        label = str(CourseCategory(category).label) if category else ""
        if category:
            return xlsx_response(
                _("未学%(category)s的组织") % {"category": label},
                [_("组织编码"), _("组织名称"), _("类型"), _("所在区划"), _("党员人数")],
                (
                    [o.code, o.name, o.get_kind_display(), o.region.name, o.member_count]
                    for o in gaps["lacking"]
                ),
            )
        return xlsx_response(
            _("各类别覆盖"),
            [_("课程类别"), _("已学组织"), _("尚缺组织"), _("组织总数")],
            ([str(r["label"]), r["covered"], r["missing"], gaps["total"]] for r in gaps["summary"]),
        )
    context = {
        "form": form,
        "county": county,
        "year": year,
        "gaps": gaps,
        "category_label": str(CourseCategory(category).label) if category else "",
    }
    return render(request, "advice/gaps.html", context)


class WarningFilter(forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("程度"),
        required=False,
        choices=[
            ("", gettext_lazy("预警与关注")),
            ("warn", gettext_lazy("预警")),
            ("watch", gettext_lazy("关注")),
        ],
    )
    teacher_level = forms.ChoiceField(
        label=gettext_lazy("师资级别"),
        required=False,
        choices=[("", gettext_lazy("全部级别")), *TeacherLevel.choices],
    )
    group = forms.ChoiceField(label=gettext_lazy("教研组"), required=False)
    q = forms.CharField(label=gettext_lazy("姓名"), required=False, max_length=32)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", gettext_lazy("全部教研组"))] + [
            (str(g.pk), g.name) for g in groups
        ]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            )


@login_required
def warning_list(request):
    groups = list(TeachingGroup.objects.visible_to(request.scope).order_by("name"))
    form = WarningFilter(request.GET or None, groups=groups)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    teachers = services.pool_teachers(request.scope)
    if data.get("teacher_level"):
        teachers = teachers.filter(level=data["teacher_level"])
    if data.get("group"):
        teachers = teachers.filter(groups=int(data["group"]))
    if data.get("q"):
        teachers = teachers.filter(name__icontains=data["q"])
    rows = services.warnings_for(request.scope, teachers=teachers.distinct())
    if data.get("level"):
        rows = [row for row in rows if row.level == data["level"]]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("师资预警"),
            [_("姓名"), _("师资级别"), _("状态"), _("所在区划"), _("程度"), _("依据"), _("建议")],
            (
                [
                    row.teacher.name,
                    row.teacher.get_level_display(),
                    row.teacher.get_status_display(),
                    row.teacher.region.name,
                    row.level_label,
                    "；".join(row.evidence),
                    "；".join(help["text"] for help in row.helps),
                ]
                for row in rows
            ),
        )
    return render(request, "advice/warnings.html", {"form": form, "rows": rows})
