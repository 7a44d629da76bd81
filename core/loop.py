"""The loop of the background commands that run beside the server (`--loop SECONDS`)."""

import time
from collections.abc import Callable

from django.db import close_old_connections


def run_periodically(step: Callable[[], bool], seconds: float | None) -> None:
    """Call ``step`` once or, with ``seconds`` > 0, until stopped (Ctrl+C / SIGTERM).

    ``step`` returns whether more work is waiting: then it runs again at once, else after ``seconds``.
    Like a request, each round drops a database connection that broke or aged meanwhile.
    """
    try:
        while True:
            more = step()
            if seconds is None or seconds <= 0:
                return
            if not more:
                time.sleep(seconds)
            close_old_connections()
    except KeyboardInterrupt:
        return
