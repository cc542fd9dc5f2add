"""Background jobs (`dangke.core.jobs`): a job is failed when the worker holding it stops
beating, not when some server starts; queued jobs wait; a live worker keeps its jobs."""

import datetime
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import default_task_backend
from django.tasks.signals import task_started
from django.utils import timezone

from dangke.care.models import CardBatch, CardBatchStatus
from dangke.core.jobs import JobTransitionError, fail_stale_jobs
from dangke.core.management.commands.serve import running_serve
from dangke.delivery.models import PlanRun, PlanState
from dangke.imports.models import ImportJob, ImportState
from dangke.imports.tasks import run_import
from dangke.insights.models import AnalysisState, DeliveryAnalysis
from dangke.workreport.models import AnnualReport, ReportState

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def make(world):
    class Make:
        def job(self, state, **fields):
            return ImportJob.objects.create(
                kind="teachers", file="imports/x.xlsx", original_name="x.xlsx",
                region=world.county_a, created_by=world.county_a_admin, state=state, **fields,
            )  # fmt: skip

        def analysis(self, state, **fields):
            return DeliveryAnalysis.objects.create(
                teacher=world.teacher_a, course=world.course_a, region=world.county_a,
                recording="insights/x.wav", original_name="x.wav", state=state, **fields,
            )  # fmt: skip

        def plan(self, state, **fields):
            return PlanRun.objects.create(
                region=world.county_a, horizon_start=DAY, horizon_end=DAY, state=state, **fields
            )

        def report(self, state, **fields):
            return AnnualReport.objects.create(
                region=world.county_a, year=2026, state=state, **fields
            )

        def cards(self, status, **fields):
            return CardBatch.objects.create(
                region=world.county_a, year=2026, festival="spring", message="新春快乐",
                sender="县委组织部", status=status, **fields,
            )  # fmt: skip

        def export(self, state, **fields):
            from dangke.imports.export_jobs import ExportJob

            return ExportJob.objects.create(
                title="基层党组织", definition="x", created_by=world.county_a_admin, state=state,
                rows_total=9000, **fields,
            )  # fmt: skip

    return Make()


def ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def test_jobs_whose_worker_stopped_beating_fail_saying_why(make, settings):
    settings.JOB_STALE_SECONDS = 120
    silent = [
        make.job(ImportState.VALIDATING, heartbeat_at=ago(600)),
        make.job(ImportState.IMPORTING, heartbeat_at=ago(121)),
        make.analysis(AnalysisState.RUNNING, heartbeat_at=None),
        make.plan(PlanState.RUNNING, heartbeat_at=ago(3600)),
        make.report(ReportState.RUNNING, heartbeat_at=ago(300)),
        make.cards(CardBatchStatus.RUNNING, heartbeat_at=ago(300)),
        make.export("running", heartbeat_at=ago(300)),
    ]
    alive = [
        make.job(ImportState.IMPORTING, heartbeat_at=ago(30)),
        make.plan(PlanState.RUNNING, heartbeat_at=ago(5)),
    ]
    waiting = [make.job(ImportState.UPLOADED), make.plan(PlanState.QUEUED)]

    failed = fail_stale_jobs()

    assert failed == {
        "导入任务": 2, "授课分析": 1, "排课": 1, "年度工作报告": 1, "贺卡批次": 1,
        "Excel 导出任务": 1,
    }  # fmt: skip
    for row in silent:
        row.refresh_from_db()
        assert row.job_state == row.FAILED_STATE
        said = row.error if isinstance(row, CardBatch) else row.message
        assert "中断" in said and "处理它的进程" in said
    assert all(row.finished_at for row in silent if not isinstance(row, CardBatch))
    expected = [ImportState.IMPORTING, PlanState.RUNNING, ImportState.UPLOADED, PlanState.QUEUED]
    for row, state in zip(alive + waiting, expected, strict=True):
        row.refresh_from_db()
        assert row.job_state == state
    assert set(fail_stale_jobs().values()) == {0}


def test_the_message_names_the_last_beat_in_local_time(make):
    beat = datetime.datetime(2025, 12, 31, 16, 5, tzinfo=datetime.UTC)  # 00:05 on 1 January
    job = make.job(ImportState.VALIDATING, heartbeat_at=beat)
    fail_stale_jobs()
    job.refresh_from_db()
    assert "2026-01-01 00:05" in job.message


def test_a_confirmed_import_waiting_in_the_queue_is_not_stale(make, settings):
    settings.JOB_STALE_SECONDS = 60
    job = make.job(ImportState.IMPORTING, heartbeat_at=ago(3600))
    result = run_import.enqueue(job.pk)  # queued, no worker has taken it
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    assert job.task_waiting() and not job.is_stale
    assert fail_stale_jobs()["导入任务"] == 0
    job.refresh_from_db()
    assert job.state == ImportState.IMPORTING


def test_a_starting_serve_fails_every_working_job_at_once(make):
    fresh = make.plan(PlanState.RUNNING, heartbeat_at=timezone.now())
    queued = make.report(ReportState.QUEUED)
    assert fail_stale_jobs(everything=True)["排课"] == 1
    fresh.refresh_from_db(), queued.refresh_from_db()
    assert fresh.state == PlanState.FAILED and queued.state == ReportState.QUEUED


def test_a_worker_starting_any_task_sweeps(make):
    job = make.job(ImportState.VALIDATING, heartbeat_at=ago(3600))
    other = run_import.enqueue(0)  # any task a worker takes
    task_started.send(sender=type(default_task_backend), task_result=other)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED


def test_the_page_that_polls_a_stale_job_shows_it_failed(client, world, make):
    job = make.job(ImportState.VALIDATING, heartbeat_at=ago(3600))
    client.force_login(world.county_a_admin)
    response = client.get(f"/imports/jobs/{job.pk}/progress/")
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    job.refresh_from_db()
    assert job.state == ImportState.FAILED


def test_moves_follow_the_edges_and_lose_to_a_faster_process(make):
    run = make.plan(PlanState.QUEUED)
    with pytest.raises(JobTransitionError):
        run.move(PlanState.PUBLISHED)
    twin = PlanRun.objects.get(pk=run.pk)
    assert run.move(PlanState.RUNNING, message="正在求解")
    assert run.heartbeat_at is not None
    assert not twin.move(PlanState.RUNNING)  # the other process saw QUEUED; too late
    assert twin.state == PlanState.QUEUED  # unchanged in memory when the move lost


def test_progress_is_a_beat(make):
    report = make.report(ReportState.RUNNING, heartbeat_at=ago(3600))
    report.beat(progress=0.5, progress_label="图表")
    report.refresh_from_db()
    assert report.progress == 0.5 and report.heartbeat_at > ago(5) and not report.is_stale


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "FAKETIME" in os.environ, reason="libfaketime breaks a thread's timed wait (Event.wait)"
)
def test_the_heartbeat_thread_beats_while_the_task_body_runs(world, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    run = PlanRun.objects.create(
        region=world.county_a, horizon_start=DAY, horizon_end=DAY, state=PlanState.RUNNING,
        heartbeat_at=ago(3600),
    )  # fmt: skip
    with PlanRun.heartbeat(run.pk):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.heartbeat_at > ago(60):
                break
            time.sleep(0.05)
    assert run.heartbeat_at > ago(60) and not run.is_stale


def test_dangke_jobs_lists_and_fails_stale(make, capsys):
    stale = make.plan(PlanState.RUNNING, heartbeat_at=ago(3600))
    beating = make.plan(PlanState.RUNNING, heartbeat_at=ago(5))
    call_command("jobs")
    lines = capsys.readouterr().out.splitlines()
    assert next(line for line in lines if f"#{stale.pk}：" in line).endswith("（已超时）")
    assert not next(line for line in lines if f"#{beating.pk}：" in line).endswith("（已超时）")
    beating.delete()
    call_command("jobs", "--fail-stale")
    out = capsys.readouterr().out
    assert "排课：1 个心跳停止" in out and "没有正在运行的后台任务" in out


def test_a_running_serve_is_known_by_its_pidfile(tmp_path):
    pidfile = tmp_path / "serve.pid"
    assert running_serve(pidfile) is None  # none written
    pidfile.write_text(str(os.getpid()))
    assert running_serve(pidfile) == os.getpid()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    pidfile.write_text(finished.stdout.strip())
    assert running_serve(pidfile) is None  # that process has ended
    pidfile.write_text("not a pid")
    assert running_serve(pidfile) is None


def test_a_task_reaped_by_a_worker_fails_its_job_at_once(make):
    from dangke.ops.heartbeat import WorkerLost, task_orphaned

    job = make.job(ImportState.IMPORTING, heartbeat_at=timezone.now(), task_id="abc-123")
    other = make.job(ImportState.IMPORTING, heartbeat_at=timezone.now(), task_id="def-456")
    task_orphaned.send(
        sender=WorkerLost, task_id="abc-123", task_path="x", worker_id="w1", reason="工作进程失联"
    )
    job.refresh_from_db(), other.refresh_from_db()
    assert job.state == ImportState.FAILED and "工作进程失联" in job.message
    assert other.state == ImportState.IMPORTING
