from django.db import migrations, models
from django.db.models import Count, Sum
from django.db.models.functions import Substr

COUNTY_DIGITS = 6  # dangke.regions.codes.COUNTY_DIGITS, as it was


def count_existing_organizations(apps, schema_editor):
    """The organisations already there, counted as `regions.rollup` counts them (a migration
    keeps its own copy: the app's code may change after it)."""
    Organization = apps.get_model("regions", "Organization")
    OrganizationTally = apps.get_model("regions", "OrganizationTally")
    rows = (
        Organization.objects.filter(is_active=True)
        .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
        .values_list("county_key", "kind")
        .annotate(n=Count("pk"), members=Sum("member_count"))
        .order_by()
    )
    OrganizationTally.objects.bulk_create(
        OrganizationTally(county=county, kind=kind, organizations=n, members=members or 0)
        for county, kind, n, members in rows.iterator()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0002_organization_members_sort_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganizationTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county', models.CharField(max_length=12, verbose_name='县级区划代码')),
                ('kind', models.CharField(choices=[('organ', '机关'), ('park', '园区'), ('school', '学校'), ('village', '村'), ('community', '社区'), ('enterprise', '企业'), ('other', '其他')], max_length=16, verbose_name='类型')),
                ('organizations', models.PositiveIntegerField(default=0, verbose_name='组织数')),
                ('members', models.PositiveBigIntegerField(default=0, verbose_name='党员人数')),
            ],
            options={
                'verbose_name': '基层党组织汇总',
                'verbose_name_plural': '基层党组织汇总',
                'constraints': [models.UniqueConstraint(fields=('county', 'kind'), name='organization_tally_key'), models.CheckConstraint(condition=models.Q(('kind__in', ['organ', 'park', 'school', 'village', 'community', 'enterprise', 'other'])), name='organization_tally_kind_valid')],
            },
        ),
        migrations.RunPython(count_existing_organizations, migrations.RunPython.noop),
    ]
