from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import (
    BootstrapFormMixin,
    CheckedFileField,
    RowsChoiceField,
    StatusChangeForm,
)
from dangke.courses.categories import CourseCategory
from dangke.faculty.models import (
    DevelopmentPlan,
    DevelopmentRecord,
    LifecycleRule,
    Quota,
    RewardFund,
    Teacher,
    TeacherSpecialty,
    TeachingGroup,
)
from dangke.regions.models import Region, RegionLevel

PHOTO_TYPES = ("jpg", "jpeg", "png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def managed_regions(scope, *, max_level=None, min_level=None):
    """Regions the user administers, for a form's region field."""
    regions = Region.objects.none()
    for code in scope.managed_region_codes:
        regions |= Region.objects.filter(code__startswith=code)
    if scope.is_superuser:
        regions = Region.objects.all()
    if max_level is not None:
        regions = regions.filter(level__lte=max_level)
    if min_level is not None:
        regions = regions.filter(level__gte=min_level)
    return regions.unscoped("regions the user manages").order_by("code")


def shared_groups(scope):
    """Teaching groups of the user's regions and of the regions above them."""
    above = {c[:n] for c in scope.managed_region_codes for n in (2, 4, 6) if n <= len(c)}
    groups = TeachingGroup.objects.filter(region_id__in=above)
    for code in scope.managed_region_codes:
        groups |= TeachingGroup.objects.filter(region__code__startswith=code)
    return groups.unscoped("groups of the user's regions and those above").order_by(
        "region_id", "name"
    )


class TeacherForm(BootstrapFormMixin, forms.ModelForm):
    specialties = forms.MultipleChoiceField(
        label=_("专长类别"),
        choices=CourseCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    photo = CheckedFileField(
        label=_("照片"), required=False, allowed=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES
    )

    class Meta:
        model = Teacher
        fields = [
            "code", "name", "gender", "birth_year", "employer", "position", "phone", "level",
            "region", "groups", "home_latitude", "home_longitude", "max_travel_km", "photo",
            "bio",
        ]  # fmt: skip
        widgets = {"bio": forms.Textarea(attrs={"rows": 4}), "groups": forms.CheckboxSelectMultiple}
        field_classes = {"groups": RowsChoiceField}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["groups"].queryset = shared_groups(scope)
        if self.instance.pk:
            self.fields["specialties"].initial = list(
                self.instance.specialties.values_list("category", flat=True)
            )

    def clean_phone(self):
        """The same rule as the teacher import: a mobile or a landline with area code."""
        from dangke.imports.columns import CellError, phone_number

        written = self.cleaned_data["phone"].strip()
        if not written:
            return ""
        try:
            return phone_number(written)
        except CellError as error:
            raise forms.ValidationError(str(error)) from error

    def save(self, commit=True):
        teacher = super().save(commit=commit)
        if commit:
            chosen = set(self.cleaned_data["specialties"])
            teacher.specialties.exclude(category__in=chosen).delete()
            existing = set(teacher.specialties.values_list("category", flat=True))
            TeacherSpecialty.objects.bulk_create(
                TeacherSpecialty(teacher=teacher, category=c) for c in chosen - existing
            )
        return teacher


class QuotaForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Quota
        fields = [
            "level", "min_lessons", "min_hours", "min_score", "min_responses", "min_trainings",
            "min_further_study",
        ]  # fmt: skip


class LifecycleRuleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = LifecycleRule
        fields = [
            "warn_from_month", "warn_below_share", "rectify_days", "exit_after_failures",
            "trial_min_score",
        ]  # fmt: skip


class TrialLectureForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(label=_("试讲日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("试讲题目"), max_length=120)
    score = forms.DecimalField(label=_("试讲得分"), min_value=0, max_value=100, decimal_places=1)
    remarks = forms.CharField(
        label=_("评议意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("决定"), choices=[("confirm", _("确认")), ("reject", _("驳回"))]
    )
    note = forms.CharField(label=_("意见"), required=False, max_length=500)
    plan = forms.CharField(
        label=_("整改计划"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RewardFundForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = RewardFund
        fields = [
            "name", "total", "cap", "min_lessons", "factor_excellent", "factor_good",
            "factor_base", "factor_min_responses",
        ]  # fmt: skip


class TeacherStatusForm(StatusChangeForm):
    """The office's own decision on a teacher's status; 整改 also needs a plan and a deadline
    (the lifecycle refuses it without them)."""

    plan = forms.CharField(
        label=_("整改计划"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("变更为「整改」时必填"),
    )  # fmt: skip
    deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("变更为「整改」时必填"),
    )  # fmt: skip


class DevelopmentPlanForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DevelopmentPlan
        fields = ["start_year", "end_year", "goals", "target_title", "target_role"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4})}


class DevelopmentRecordForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DevelopmentRecord
        fields = ["kind", "year", "title", "institution", "note"]
