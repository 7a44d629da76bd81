"""Logging filters named in ``LOGGING`` (opora/settings.py)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Log a refused request (403) as one line: drop the traceback Django attaches to it.

    ``django.request`` logs "Forbidden (Permission denied)" with the PermissionDenied as exc_info, so
    every refusal would print a traceback although nothing is broken. Attach to ``django.request``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
