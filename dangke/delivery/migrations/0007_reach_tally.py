from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Substr

COUNTY_DIGITS = 6  # dangke.regions.codes.COUNTY_DIGITS, as it was


def count_existing_reach(apps, schema_editor):
    """The reach marks already kept, counted as `delivery.rollup` counts them: each active
    organisation once per (its county, year, campaign), with its members (a migration keeps
    its own copy: the app's code may change after it)."""
    ReachedOrganization = apps.get_model("delivery", "ReachedOrganization")
    ReachTally = apps.get_model("delivery", "ReachTally")
    totals = defaultdict(lambda: [0, 0])
    rows = (
        ReachedOrganization.objects.filter(organization__is_active=True)
        .annotate(county_key=Substr("organization__region_id", 1, COUNTY_DIGITS))
        .values_list(
            "county_key", "year", "campaign_id", "organization_id", "organization__member_count"
        )
        .distinct()
        .order_by()
    )
    for county, year, campaign_id, _organization, members in rows.iterator(chunk_size=5000):
        total = totals[county, year, campaign_id]
        total[0] += 1
        total[1] += members or 0
    ReachTally.objects.bulk_create(
        (
            ReachTally(county=county, year=year, campaign_id=campaign_id, organizations=n, members=m)
            for (county, year, campaign_id), (n, m) in totals.items()
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0006_order_tally'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReachTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county', models.CharField(max_length=12, verbose_name='县级区划代码')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('organizations', models.PositiveIntegerField(default=0, verbose_name='覆盖组织数')),
                ('members', models.PositiveBigIntegerField(default=0, verbose_name='覆盖党员数')),
                ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='delivery.campaign', verbose_name='专项活动')),
            ],
            options={
                'verbose_name': '年度覆盖汇总',
                'verbose_name_plural': '年度覆盖汇总',
                'indexes': [models.Index(fields=['year', 'county'], name='reach_tally_year_county')],
            },
        ),
        migrations.RunPython(count_existing_reach, migrations.RunPython.noop),
    ]
