from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.courses.models import Course, CourseSeries, OutlineItem
from dangke.courses.uploads import UploadRejected, check_courseware
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

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["teaching_group"].queryset = shared_groups(scope)
        above = {c[:n] for c in scope.managed_region_codes for n in (2, 4, 6) if n <= len(c)}
        shared = Q(region_id__in=above)
        for code in scope.managed_region_codes:
            shared |= Q(region__code__startswith=code)
        self.fields["series"].queryset = CourseSeries.objects.filter(shared).order_by("name")
        self.fields["teachers"].queryset = Teacher.objects.filter(
            scope.q_for(Teacher) | shared
        ).order_by("region_id", "name")
        self.fields["teachers"].help_text = _("按住 Ctrl 可多选")


OutlineFormSet = forms.inlineformset_factory(
    Course,
    OutlineItem,
    fields=["position", "title", "planned_minutes", "keywords"],
    extra=2,
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
