"""Background runs left half-way by a worker that stopped (the machine restarted, the
server was stopped with Ctrl+C mid-import). django-tasks-db does not pick a started task
up again, so without this a job would show 导入中 or 分析中 for ever. `dangke serve`
starts the only worker of the embedded tier, so when it starts and no other serve is
alive (`running_serve`), nothing can still be running: whatever says so was interrupted
and is failed with a message saying why."""

import os
from pathlib import Path

from django.utils.translation import gettext as _


def running_serve(pidfile: Path) -> int | None:
    """The pid written in `pidfile` when that process is still alive, else None."""
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        return pid  # alive, owned by another user
    return pid


def fail_interrupted_runs() -> dict[str, int]:
    """Fail the import jobs, delivery analyses and plan runs marked as running; returns how
    many of each."""
    from dangke.delivery.services import fail_interrupted_plans
    from dangke.imports.services import fail_interrupted as fail_interrupted_imports
    from dangke.insights.services import fail_interrupted as fail_interrupted_analyses
    from dangke.workreport.services import fail_interrupted as fail_interrupted_reports

    message = _("后台任务运行中被中断（服务停止或重启），已改动的数据均已撤回。请重新提交。")
    return {
        "imports": fail_interrupted_imports(message),
        "analyses": fail_interrupted_analyses(message),
        "plans": fail_interrupted_plans(message),
        "reports": fail_interrupted_reports(message),
    }
