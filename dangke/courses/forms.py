from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin, RowsChoiceField
from dangke.core.uploads import UploadRejected
from dangke.courses.models import Course, CourseSeries, OutlineItem
from dangke.courses.uploads import check_courseware
from dangke.faculty.forms import managed_regions, shared_groups
from dangke.faculty.models import Teacher
from dangke.regions.models import RegionLevel


class CourseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "code", "title", "category", "region", "teaching_group", "series",
            "duration_minutes", "teachers", "summary",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "teachers": forms.SelectMultiple(attrs={"size": 8}),
        }
        field_classes = {"teachers": RowsChoiceField}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["teaching_group"].queryset = shared_groups(scope)
        above = {c[:n] for c in scope.managed_region_codes for n in (2, 4, 6) if n <= len(c)}
        shared = Q(region_id__in=above)
        for code in scope.managed_region_codes:
            shared |= Q(region__code__startswith=code)
        self.fields["series"].queryset = (
            CourseSeries.objects.unscoped("the scope's series and those shared by managed regions")
            .filter(shared)
            .order_by("name")
        )
        self.fields["teachers"].queryset = (
            Teacher.objects.unscoped("the scope's teachers and those of managed regions")
            .filter(scope.q_for(Teacher) | shared)
            .order_by("region_id", "name")
        )
        self.fields["teachers"].help_text = _("按住 Ctrl 可多选")


class OutlineItemForm(forms.ModelForm):
    position = forms.IntegerField(label=_("序号"), min_value=1, max_value=999)
    planned_minutes = forms.IntegerField(label=_("计划用时(分钟)"), min_value=1, max_value=600)

    class Meta:
        model = OutlineItem
        fields = ["position", "title", "planned_minutes", "keywords"]

    def validate_unique(self):
        """Positions are checked by the formset across all rows of the course: checked one
        form at a time against the database, swapping two points would look like a clash."""

    def validate_constraints(self):
        """As validate_unique: the (course, position) constraint is the formset's to check."""


class BaseOutlineFormSet(forms.BaseInlineFormSet):
    """Knowledge points of one course. Positions are unique per course, so swapping two
    points (1↔2) would collide halfway through a row-by-row save: existing rows are first
    moved out of the way, then every kept row is written with its final position."""

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            self.instance.outline.update(position=F("position") + POSITION_OFFSET)
            saved = super().save()
            for form in self.initial_forms:
                kept = form.instance.pk and form not in self.deleted_forms
                if kept and not form.has_changed():
                    form.instance.save(update_fields=["position"])
        return saved


POSITION_OFFSET = 10000

OutlineFormSet = forms.inlineformset_factory(
    Course,
    OutlineItem,
    form=OutlineItemForm,
    formset=BaseOutlineFormSet,
    extra=1,
    max_num=200,
    can_delete=True,
)


class CoursewareForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("课件文件"))
    note = forms.CharField(label=_("更新说明"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.kind = check_courseware(upload)
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class PackageImportForm(BootstrapFormMixin, forms.Form):
    """A course package (课程包) and the region it becomes a course of. The package's
    contents are checked by courses.packages; here only what can be known before opening it."""

    file = forms.FileField(label=_("课程包（.zip）"))
    region = forms.ModelChoiceField(label=_("导入到"), queryset=None, empty_label=None)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".zip"):
            raise forms.ValidationError(_("课程包应为 .zip 文件"))
        if upload.size > settings.COURSE_PACKAGE_MAX_BYTES:
            raise forms.ValidationError(
                _("课程包太大（%(size).1f MB），上限为 %(limit)d MB")
                % {
                    "size": upload.size / 1048576,
                    "limit": settings.COURSE_PACKAGE_MAX_BYTES // 1048576,
                }
            )
        return upload
