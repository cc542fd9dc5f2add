"""The contest's settings form (dates and numbers), used while registration is open."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.contests.models import Contest
from dangke.core.forms import BootstrapFormMixin

SETTING_FIELDS = (
    "name",
    "judges_per_entry",
    "finalists",
    "winners",
    "blind_first_round",
    "exclude_same_county",
    "library_year",
    "registration_ends",
    "preparation_ends",
    "first_round_ends",
    "final_on",
    "notice_days",
)


class ContestSettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contest
        fields = SETTING_FIELDS
        widgets = {
            field: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for field in ("registration_ends", "preparation_ends", "first_round_ends", "final_on")
        }

    def clean(self):
        data = super().clean()
        finalists, winners = data.get("finalists"), data.get("winners")
        if finalists is not None and winners is not None and finalists < winners:
            raise forms.ValidationError(_("决赛名额不能少于获奖名额"))
        return data
