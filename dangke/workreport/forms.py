from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.calendar import report_year
from dangke.regions.models import Region, RegionLevel


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region = forms.ModelChoiceField(label=_("区划"), queryset=Region.objects.none())

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = report_year()
        codes = [c for c in scope.region_codes if c]
        regions = Region.objects.filter(code__in=codes) | Region.objects.filter(parent_id__in=codes)
        if scope.is_superuser and not codes:
            regions = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        self.fields["region"].queryset = regions.unscoped(
            "regions the user sees by region and those below"
        ).order_by("code")
        if codes:
            self.fields["region"].initial = codes[0]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if field is self.fields["region"] else "form-control"
            )
