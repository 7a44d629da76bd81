"""Paging of the API's lists: ``limit`` and ``offset`` query parameters, the same on every list."""

from typing import Any

from django.conf import settings
from ninja import Query

from core.validators import MAX_ID

# Most rows one page may hold.
MAX_LIMIT = 200


def limit_param() -> Any:
    """``limit``: rows per page, ``OPORA_API_PAGE_SIZE`` (50) unless asked, at most MAX_LIMIT."""
    return Query(settings.OPORA_API_PAGE_SIZE, ge=1, le=MAX_LIMIT)


def offset_param(window: int | None = None) -> Any:
    """``offset``: rows to skip; within ``window`` rows where the list stops there (a search)."""
    if window is None:
        return Query(0, ge=0, le=MAX_ID)
    return Query(0, ge=0, le=window - 1)
