"""Issue #29 (10): `make audit` says how many locked packages pip-audit really checked and
fails when it checked none (pip-audit itself says "No known vulnerabilities found" and
exits 0 when its service is out of reach and every package is skipped)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit-summary"
LOCKED = "django==6.1.3\n    # via dangke\nopenpyxl==3.1.5\n"


def summarise(tmp_path, dependencies):
    (tmp_path / "req.txt").write_text(LOCKED)
    (tmp_path / "audit.json").write_text(json.dumps({"dependencies": dependencies}))
    return subprocess.run(
        [sys.executable, SCRIPT, tmp_path / "req.txt", tmp_path / "audit.json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_nothing_checked_fails_and_says_why(tmp_path):
    skipped = [
        {"name": n, "skip_reason": "Dependency not found on PyPI"} for n in ("django", "openpyxl")
    ]
    result = summarise(tmp_path, skipped)
    assert result.returncode == 1
    assert "锁定的包 2 个，已检查 0 个，未能检查 2 个" in result.stdout
    assert "这不是「没有漏洞」" in result.stderr and "pip-audit" in result.stderr


def test_a_missing_report_fails(tmp_path):
    (tmp_path / "req.txt").write_text(LOCKED)
    result = subprocess.run(
        [sys.executable, SCRIPT, tmp_path / "req.txt", tmp_path / "absent.json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1 and "已检查 0 个" in result.stdout


def test_all_checked_and_clean_passes_with_the_count(tmp_path):
    clean = [{"name": n, "version": "1", "vulns": []} for n in ("django", "openpyxl")]
    result = summarise(tmp_path, clean)
    assert result.returncode == 0
    assert "锁定的包 2 个，已检查 2 个，未能检查 0 个" in result.stdout


def test_a_known_vulnerability_with_a_fix_fails(tmp_path):
    found = [
        {
            "name": "django",
            "version": "6.1.3",
            "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["6.1.4"]}],
        },
        {"name": "openpyxl", "version": "3.1.5", "vulns": []},
    ]
    result = summarise(tmp_path, found)
    assert result.returncode == 1 and "django 6.1.3：PYSEC-2026-1" in result.stdout
