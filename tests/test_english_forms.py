"""With the English locale active, forms show English field names: every model label and
form label is wrapped in gettext and translated in the catalogue, so no Chinese is left
for an English-speaking user to puzzle over."""

import re

import pytest
from django.apps import apps
from django.forms import modelform_factory
from django.utils import translation

from dangke.accounts.models import RoleAssignment
from dangke.accounts.scoping import scope_for_user
from dangke.broadcast.forms import ProgrammeForm
from dangke.care.forms import RoomForm
from dangke.contests.forms import ContestSettingsForm
from dangke.core.models import AuditEntry
from dangke.courses.forms import CourseForm
from dangke.delivery.forms import CampaignForm, OrderForm
from dangke.faculty.forms import TeacherForm
from dangke.imports.forms import WorkbookUploadForm
from dangke.imports.models import ImportJob
from dangke.insights.forms import RecordingForm
from dangke.media.forms import WorkForm
from dangke.members.forms import RuleForm
from dangke.regions.forms import OrganizationForm
from dangke.training.forms import TrainingClassForm
from dangke.workreport.forms import ReportForm

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def admin_scope(world):
    return scope_for_user(world.county_a_admin)


# One representative form per app; accounts, core and imports show their model labels
# only through model forms (their own forms are upload/status forms), so those get one.
FORMS = {
    "accounts": lambda world: modelform_factory(RoleAssignment, exclude=[])(),
    "broadcast": lambda world: ProgrammeForm(scope=admin_scope(world)),
    "care": lambda world: RoomForm(),
    "contests": lambda world: ContestSettingsForm(),
    "core": lambda world: modelform_factory(AuditEntry, exclude=[])(),
    "courses": lambda world: CourseForm(scope=admin_scope(world)),
    "delivery": lambda world: OrderForm(scope=admin_scope(world)),
    "delivery-campaign": lambda world: CampaignForm(scope=admin_scope(world)),
    "faculty": lambda world: TeacherForm(scope=admin_scope(world)),
    "imports": lambda world: WorkbookUploadForm(),
    "imports-job": lambda world: modelform_factory(ImportJob, exclude=[])(),
    "insights": lambda world: RecordingForm(scope=admin_scope(world)),
    "media": lambda world: WorkForm(scope=admin_scope(world)),
    "members": lambda world: RuleForm(),
    "regions": lambda world: OrganizationForm(scope=admin_scope(world)),
    "training": lambda world: TrainingClassForm(),
    "workreport": lambda world: ReportForm(scope=admin_scope(world)),
}


def chinese_labels(form) -> list[str]:
    found = []
    for bound in form:
        for kind, text in (("label", bound.label), ("help_text", bound.help_text)):
            if CJK.search(str(text or "")):
                found.append(f"{bound.name}.{kind}: {text}")
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMS)
def test_form_in_english_has_no_chinese_label(world, name):
    with translation.override("en"):
        form = FORMS[name](world)
        form.as_div()  # rendering must work in English too
        assert chinese_labels(form) == []


DANGKE_APPS = sorted(
    config.label for config in apps.get_app_configs() if config.name.startswith("dangke.")
)


@pytest.mark.parametrize("app_label", DANGKE_APPS)
def test_model_labels_and_choices_in_english_have_no_chinese(app_label):
    found = []
    with translation.override("en"):
        for model in apps.get_app_config(app_label).get_models():
            meta = model._meta
            for text in (meta.verbose_name, meta.verbose_name_plural):
                if CJK.search(str(text)):
                    found.append(f"{meta.label}: {text}")
            for field in meta.get_fields():
                if field.auto_created and not field.concrete:
                    continue
                texts = [field.verbose_name, getattr(field, "help_text", "")]
                texts += [label for _value, label in field.flatchoices or ()]
                found += [f"{meta.label}.{field.name}: {t}" for t in texts if CJK.search(str(t))]
    assert found == []
