from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.courses.categories import CourseCategory
from dangke.faculty.models import Teacher, TeacherSpecialty, TeachingGroup
from dangke.regions.models import Region, RegionLevel


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
    return regions.order_by("code")


def shared_groups(scope):
    """Teaching groups of the user's regions and of the regions above them."""
    above = {c[:n] for c in scope.managed_region_codes for n in (2, 4, 6) if n <= len(c)}
    groups = TeachingGroup.objects.filter(region_id__in=above)
    for code in scope.managed_region_codes:
        groups |= TeachingGroup.objects.filter(region__code__startswith=code)
    return groups.order_by("region_id", "name")


class TeacherForm(BootstrapFormMixin, forms.ModelForm):
    specialties = forms.MultipleChoiceField(
        label=_("专长类别"),
        choices=CourseCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Teacher
        fields = [
            "code", "name", "gender", "birth_year", "employer", "position", "phone", "level",
            "region", "groups", "home_latitude", "home_longitude", "max_travel_km", "photo",
            "bio",
        ]  # fmt: skip
        widgets = {"bio": forms.Textarea(attrs={"rows": 4}), "groups": forms.CheckboxSelectMultiple}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["groups"].queryset = shared_groups(scope)
        if self.instance.pk:
            self.fields["specialties"].initial = list(
                self.instance.specialties.values_list("category", flat=True)
            )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > 5 * 1024 * 1024:
            raise forms.ValidationError(_("照片不能超过 5 MB"))
        return photo

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
