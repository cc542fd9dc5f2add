from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.faculty.forms import managed_regions
from dangke.regions.models import Organization, RegionLevel

MONTHS = list(
    enumerate(
        [
            _("1月"), _("2月"), _("3月"), _("4月"), _("5月"), _("6月"),
            _("7月"), _("8月"), _("9月"), _("10月"), _("11月"), _("12月"),
        ],
        start=1,
    )
)  # fmt: skip


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    parent_code = forms.CharField(
        label=_("上级组织编码"), required=False, help_text=_("留空表示没有上级组织")
    )
    busy_months = forms.TypedMultipleChoiceField(
        label=_("农忙/牧忙月份"),
        choices=MONTHS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-inline"}),
    )

    class Meta:
        model = Organization
        fields = [
            "code", "name", "kind", "region", "member_count", "latitude", "longitude",
            "busy_months", "secretary", "contact_name", "contact_phone", "is_active",
        ]  # fmt: skip

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["region"].queryset = managed_regions(scope, min_level=RegionLevel.COUNTY)
        if self.instance.pk and self.instance.parent_id:
            self.fields["parent_code"].initial = self.instance.parent.code
        self.order_fields(["code", "name", "kind", "region", "parent_code"])

    def clean_parent_code(self):
        code = self.cleaned_data["parent_code"].strip()
        if not code:
            return None
        if code == self.cleaned_data.get("code"):
            raise forms.ValidationError(_("上级组织不能是自己"))
        parent = Organization.objects.visible_to(self.scope).filter(code=code).first()
        if parent is None:
            raise forms.ValidationError(_("找不到编码为「%(code)s」的组织") % {"code": code})
        return parent

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise forms.ValidationError(_("纬度和经度要么都填，要么都不填"))
        return cleaned

    def save(self, commit=True):
        self.instance.parent = self.cleaned_data.get("parent_code")
        return super().save(commit=commit)
