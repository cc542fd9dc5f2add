"""Indicator systems get a version per region and year (「2026年版第2版」), and a survey keeps
the scoring basis it was opened with (issue #25).

Existing systems are numbered within their region and year in the order they were made.
Existing on-site surveys get the basis from the current rows — their systems are locked, so
the current rows are the ones they were scored with — and their stored results name it."""

from django.db import migrations, models


def number_versions(apps, schema_editor):
    IndicatorSystem = apps.get_model("evaluation", "IndicatorSystem")
    counters: dict[tuple, int] = {}
    for system in IndicatorSystem.objects.order_by("region_id", "year", "id"):
        key = (system.region_id, system.year)
        counters[key] = counters.get(key, 0) + 1
        if system.version != counters[key]:
            system.version = counters[key]
            system.save(update_fields=["version"])


def fill_scoring_basis(apps, schema_editor):
    from dangke.evaluation.basis import result_basis, take_basis

    Survey = apps.get_model("evaluation", "Survey")
    taken: dict[tuple, dict] = {}  # surveys of one system and campaign share their basis
    surveys = Survey.objects.filter(kind="on_site", basis={}).select_related(
        "system", "lesson__campaign"
    )
    for survey in surveys.iterator(chunk_size=500):
        campaign = survey.lesson.campaign if survey.lesson_id else None
        key = (survey.system_id, campaign.pk if campaign else None)
        if key not in taken:
            taken[key] = take_basis(survey.system, campaign)
        survey.basis = taken[key]
        fields = ["basis"]
        if survey.result:
            survey.result = {**survey.result, "basis": result_basis(taken[key])}
            fields.append("result")
        survey.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0006_survey_rows_scattered"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="indicatorsystem",
            options={
                "ordering": ["-year", "region_id", "-version"],
                "verbose_name": "指标体系",
                "verbose_name_plural": "指标体系",
            },
        ),
        migrations.RemoveConstraint(
            model_name="indicatorsystem",
            name="indicator_system_unique_name",
        ),
        migrations.AddField(
            model_name="indicatorsystem",
            name="version",
            field=models.PositiveSmallIntegerField(
                default=1,
                editable=False,
                help_text="同一区划同一年度的第几版：复制为同年度的新版本时加一",
                verbose_name="版次",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="survey",
            name="basis",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="发起测评时取下的指标体系版本、指标树和各评价主体权重；计分只读这里，以后再改权重也不会改变已发布的成绩",
                verbose_name="计分依据",
            ),
        ),
        migrations.RunPython(number_versions, migrations.RunPython.noop),
        migrations.RunPython(fill_scoring_basis, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="indicatorsystem",
            constraint=models.UniqueConstraint(
                fields=("region", "year", "version"), name="indicator_system_unique_version"
            ),
        ),
    ]
