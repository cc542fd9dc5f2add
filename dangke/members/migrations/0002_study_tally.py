from django.db import migrations, models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

COUNTY_DIGITS = 6  # dangke.regions.codes.COUNTY_DIGITS, as it was


def count_existing_study_years(apps, schema_editor):
    """The member-years already kept, counted as `members.rollup` counts them (a migration
    keeps its own copy: the app's code may change after it)."""
    StudyYear = apps.get_model("members", "StudyYear")
    StudyTally = apps.get_model("members", "StudyTally")
    rows = (
        StudyYear.objects.annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
        .values("county_key", "year")
        .annotate(
            registered=Count("pk"),
            with_hours=Count("pk", filter=Q(hours__gt=0)),
            hours_total=Sum("hours"),
            target_met=Count("pk", filter=Q(met=True)),
            leaders=Count("pk", filter=Q(is_leader=True)),
            leaders_target_met=Count("pk", filter=Q(is_leader=True, met=True)),
        )
        .order_by()
    )
    StudyTally.objects.bulk_create(
        StudyTally(
            county=row.pop("county_key"), **{**row, "hours_total": row["hours_total"] or 0}
        )
        for row in rows
    )


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='StudyTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county', models.CharField(max_length=12, verbose_name='县级区划代码')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('registered', models.PositiveIntegerField(default=0, verbose_name='在册人数')),
                ('with_hours', models.PositiveIntegerField(default=0, verbose_name='有学时人数')),
                ('hours_total', models.DecimalField(decimal_places=1, default=0, max_digits=14, verbose_name='学时合计')),
                ('target_met', models.PositiveIntegerField(default=0, verbose_name='达标人数')),
                ('leaders', models.PositiveIntegerField(default=0, verbose_name='书记和班子成员')),
                ('leaders_target_met', models.PositiveIntegerField(default=0, verbose_name='书记和班子成员达标')),
            ],
            options={
                'verbose_name': '年度学时汇总',
                'verbose_name_plural': '年度学时汇总',
                'constraints': [models.UniqueConstraint(fields=('county', 'year'), name='study_tally_key')],
            },
        ),
        migrations.RunPython(count_existing_study_years, migrations.RunPython.noop),
    ]
