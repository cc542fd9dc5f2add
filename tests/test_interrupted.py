"""Runs a stopped worker left half-way are failed, saying why, when `dangke serve` starts
its worker; runs not yet started stay queued for the new worker."""

import datetime

from dangke.core.interrupted import fail_interrupted_runs, running_serve
from dangke.delivery.models import PlanRun, PlanState
from dangke.imports.models import ImportJob, ImportState
from dangke.insights.models import AnalysisState, DeliveryAnalysis


def test_half_way_runs_fail_and_queued_ones_wait(world):
    day = datetime.date(2026, 3, 2)

    def job(state):
        return ImportJob.objects.create(
            kind="teachers", file="imports/x.xlsx", original_name="x.xlsx",
            region=world.county_a, created_by=world.county_a_admin, state=state,
        )  # fmt: skip

    def analysis(state):
        return DeliveryAnalysis.objects.create(
            teacher=world.teacher_a, course=world.course_a, region=world.county_a,
            recording="insights/x.wav", original_name="x.wav", state=state,
        )  # fmt: skip

    def plan(state):
        return PlanRun.objects.create(
            region=world.county_a, horizon_start=day, horizon_end=day, state=state
        )

    checking, importing, waiting = (
        job(ImportState.VALIDATING), job(ImportState.IMPORTING), job(ImportState.UPLOADED),
    )  # fmt: skip
    running, queued = analysis(AnalysisState.RUNNING), analysis(AnalysisState.QUEUED)
    solving, planned = plan(PlanState.RUNNING), plan(PlanState.QUEUED)

    assert fail_interrupted_runs() == {"imports": 2, "analyses": 1, "plans": 1, "reports": 0}
    for row in (checking, importing, running, solving):
        row.refresh_from_db()
        assert row.state == "failed" and "中断" in row.message and row.finished_at
    for row, state in ((waiting, ImportState.UPLOADED), (queued, AnalysisState.QUEUED),
                       (planned, PlanState.QUEUED)):  # fmt: skip
        row.refresh_from_db()
        assert row.state == state
    assert fail_interrupted_runs() == {"imports": 0, "analyses": 0, "plans": 0, "reports": 0}


def test_a_running_serve_is_known_by_its_pidfile(tmp_path):
    import os
    import subprocess
    import sys

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
