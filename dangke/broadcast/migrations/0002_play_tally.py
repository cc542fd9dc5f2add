from django.db import migrations, models
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr

COUNTY_DIGITS = 6  # dangke.accounts.scoping.COUNTY_DIGITS, as it was


def count_existing_plays(apps, schema_editor):
    """The plays already reported, counted as `broadcast.rollup` counts them (a migration
    keeps its own copy: the app's code may change after it)."""
    PlayLog = apps.get_model("broadcast", "PlayLog")
    PlayTally = apps.get_model("broadcast", "PlayTally")
    rows = (
        PlayLog.objects.annotate(
            county_key=Substr("region_id", 1, COUNTY_DIGITS),
            y=ExtractYear("played_at"),
            m=ExtractMonth("played_at"),
        )
        .values_list("county_key", "y", "m")
        .annotate(n=Count("pk"), people=Sum("listeners"), length=Sum("duration_seconds"))
        .order_by()
    )
    PlayTally.objects.bulk_create(
        (
            PlayTally(
                county=county, year=year, month=month, plays=n, listeners=people or 0,
                seconds=length or 0,
            )
            for county, year, month, n, people, length in rows.iterator()
        ),
        batch_size=5000,
    )  # fmt: skip


class Migration(migrations.Migration):

    dependencies = [
        ('broadcast', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PlayTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county', models.CharField(max_length=12, verbose_name='县级区划代码')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('month', models.PositiveSmallIntegerField(verbose_name='月份')),
                ('plays', models.PositiveIntegerField(default=0, verbose_name='播放次数')),
                ('listeners', models.PositiveBigIntegerField(default=0, verbose_name='收听人次')),
                ('seconds', models.PositiveBigIntegerField(default=0, verbose_name='播放时长（秒）')),
            ],
            options={
                'verbose_name': '播放月度汇总',
                'verbose_name_plural': '播放月度汇总',
                'indexes': [models.Index(fields=['year', 'county'], name='play_tally_year_county')],
                'constraints': [models.UniqueConstraint(fields=('county', 'year', 'month'), name='play_tally_once_per_county_month')],
            },
        ),
        migrations.RunPython(count_existing_plays, migrations.RunPython.noop),
    ]
