"""Excel exports of large lists run as a task with progress (issue #18); a small export
stays immediate. The task reads the list in its requester's scope, with their filters and
sort, and only the requester sees the job and its file."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangke.imports.export_jobs import ExportJob, ExportState
from dangke.regions.models import Organization, OrganizationKind

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def organizations(world):
    for region, prefix in ((world.village_a, "甲"), (world.village_b, "乙")):
        for n in range(4):
            Organization.objects.create(
                code=f"X-{prefix}-{n}", name=f"导出{prefix}党支部{n}", region=region,
                kind=OrganizationKind.VILLAGE, member_count=20 + n,
            )  # fmt: skip


def _sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def test_a_small_export_is_sent_at_once(world, organizations, client, settings):
    settings.DANGKE_EXPORT_INLINE_ROWS = 10
    client.force_login(world.county_a_admin)
    response = client.get(reverse("regions:list"), {"export": "xlsx", "q": "导出"})
    rows = _sheet_rows(response.content)
    assert [row[1] for row in rows[1:]] == [f"导出甲党支部{n}" for n in range(4)]
    assert not ExportJob.objects.unscoped("test").exists()


def test_a_large_export_runs_as_a_task_in_the_requesters_scope(
    world, organizations, client, settings
):
    settings.DANGKE_EXPORT_INLINE_ROWS = 3
    settings.TASKS = IMMEDIATE
    client.force_login(world.county_a_admin)
    query = {"export": "xlsx", "q": "导出", "sort": "-member_count", "page": "2"}
    response = client.get(reverse("regions:list"), query)
    job = ExportJob.objects.unscoped("test").get()
    assert response.status_code == 302 and response.url == reverse("exports:detail", args=[job.pk])
    assert job.state == ExportState.DONE
    assert (job.rows_total, job.rows_written) == (4, 4)
    page = client.get(response.url).content.decode()
    assert "已导出 4 行" in page and "下载 Excel" in page
    download = client.get(reverse("exports:download", args=[job.pk]))
    rows = _sheet_rows(b"".join(download.streaming_content))
    # the list's sort, every page, never county b's rows
    assert [row[1] for row in rows[1:]] == [f"导出甲党支部{n}" for n in (3, 2, 1, 0)]
    assert rows[0][0] == "组织编码"


def test_only_the_requester_sees_the_job(world, organizations, client, settings):
    settings.DANGKE_EXPORT_INLINE_ROWS = 3
    settings.TASKS = IMMEDIATE
    client.force_login(world.county_a_admin)
    client.get(reverse("regions:list"), {"export": "xlsx"})
    job = ExportJob.objects.unscoped("test").get()
    client.force_login(world.city_admin)
    assert client.get(reverse("exports:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_a_queued_export_shows_its_progress(world, organizations, client, settings):
    settings.DANGKE_EXPORT_INLINE_ROWS = 3
    client.force_login(world.county_a_admin)  # the database backend: queued, no worker here
    response = client.get(reverse("regions:list"), {"export": "xlsx"}, follow=True)
    html = response.content.decode()
    assert "排队中" in html and 'hx-trigger="every 2s"' in html
    job = ExportJob.objects.unscoped("test").get()
    assert job.state == ExportState.QUEUED and job.task_id
    assert job.rows_total == Organization.objects.filter(region__code__startswith="511102").count()
