"""`dangke schedule` runs the engine before Django starts (issue #19: the command paid
0.4 s of loading every app for a file in, a file out), and says and does what the
management command says and does."""

import json
import os
import subprocess
import sys

from engines.scheduling import check, generate, load_problem


def dangke(*args, settings="dangke.settings"):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run(
        [sys.executable, "-m", "dangke.cli", *args], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_schedule_needs_neither_settings_nor_apps(tmp_path):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    source.write_text(json.dumps(generate(3, teachers=15, orders=30)), encoding="utf-8")
    # settings that cannot be imported: any use of Django would fail
    done = dangke("schedule", "--input", str(source), "--output", str(target),
                  settings="no_such_settings")  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, f"排课方案已写入 {target}\n", "")
    problem = load_problem(json.loads(source.read_text(encoding="utf-8")))
    assert check(problem, json.loads(target.read_text(encoding="utf-8"))) == []

    done = dangke("schedule", "--input", str(source), "--output", str(target), "--greedy",
                  "--time-limit", "5", settings="no_such_settings")  # fmt: skip
    assert done.returncode == 0
    assert json.loads(target.read_text(encoding="utf-8"))["method"].startswith("greedy")


def test_bad_input_is_reported_field_by_field_and_writes_nothing(tmp_path):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    bad = generate(3, teachers=15, orders=30)
    bad["teachers"][2]["max_per_month"] = -1
    source.write_text(json.dumps(bad), encoding="utf-8")
    done = dangke("schedule", "--input", str(source), "--output", str(target),
                  settings="no_such_settings")  # fmt: skip
    assert done.returncode == 2
    assert f"teachers[2] (id {bad['teachers'][2]['id']}): max_per_month -1" in done.stderr
    assert done.stderr.endswith("CommandError: 输入有误（见上方逐条说明），未写出排课方案\n")
    assert done.stdout == "" and list(tmp_path.iterdir()) == [source]


def test_other_options_go_to_the_management_command(tmp_path):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    source.write_text(json.dumps(generate(3, teachers=15, orders=30)), encoding="utf-8")
    done = dangke("schedule", "--input", str(source), "--output", str(target), "-v", "2")
    assert (done.returncode, done.stdout) == (0, f"排课方案已写入 {target}\n")
    # Django's parser, with its options, answers --help; without settings it cannot start
    assert "--settings SETTINGS" in dangke("schedule", "--help").stdout
    refused = dangke("schedule", "--input", str(source), "--output", str(target), "-v", "2",
                     settings="no_such_settings")  # fmt: skip
    assert refused.returncode != 0 and "no_such_settings" in refused.stderr
