"""What a server worker does when it loads the application (opora/wsgi.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_freezes_its_long_lived_objects_out_of_the_collectors_reach():
    """Every view module imported, then frozen: a full collection no longer walks them (p99 of the queue
    page 44–50 ms instead of 108–125 ms at 370,000 requests, docs/benchmarks.md)."""
    probe = (
        "import gc, sys, opora.wsgi;"
        "print(gc.get_freeze_count(), 'assistance.views' in sys.modules, 'reports.views' in sys.modules,"
        " callable(opora.wsgi.application))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "opora.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    frozen, views, reports, app = done.stdout.split()
    assert int(frozen) > 50_000
    assert (views, reports, app) == ("True", "True", "True")
