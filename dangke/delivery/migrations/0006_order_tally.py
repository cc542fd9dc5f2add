from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import ExtractMonth, ExtractYear, Substr

COUNTY_DIGITS = 6  # dangke.accounts.scoping.COUNTY_DIGITS, as it was


def count_existing_orders(apps, schema_editor):
    """The orders already placed, counted as `delivery.rollup` counts them (a migration keeps
    its own copy: the app's code may change after it)."""
    CourseOrder = apps.get_model("delivery", "CourseOrder")
    OrderTally = apps.get_model("delivery", "OrderTally")
    rows = (
        CourseOrder.objects.annotate(
            county_key=Substr("region_id", 1, COUNTY_DIGITS),
            y=ExtractYear("created_at"),
            m=ExtractMonth("created_at"),
        )
        .values_list("county_key", "y", "m", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    OrderTally.objects.bulk_create(
        (
            OrderTally(county=county, year=year, month=month, status=status, orders=n)
            for county, year, month, status, n in rows.iterator()
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0005_teacher_month"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("county", models.CharField(max_length=12, verbose_name="县级区划代码")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("month", models.PositiveSmallIntegerField(verbose_name="月份")),
                ("status", models.CharField(choices=[("submitted", "已提交"), ("planned", "已排课"), ("withdrawn", "已撤回"), ("unserved", "未能安排")], max_length=16, verbose_name="状态")),
                ("orders", models.PositiveIntegerField(default=0, verbose_name="点单数")),
            ],
            options={
                "verbose_name": "点单年度汇总",
                "verbose_name_plural": "点单年度汇总",
                "indexes": [models.Index(fields=["year", "county"], name="order_tally_year_county")],
                "constraints": [models.CheckConstraint(condition=models.Q(("status__in", ["submitted", "planned", "withdrawn", "unserved"])), name="order_tally_status_valid")],
            },
        ),
        migrations.RunPython(count_existing_orders, migrations.RunPython.noop),
    ]
