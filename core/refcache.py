"""Reference data held in each process for a short time: read on every request, changed a few times a year.

A :class:`ReferenceCache` loads its whole table at once and keeps it for ``ttl`` seconds. A save or
delete of one of its models (or a change of a many-to-many relation of theirs) in this process
clears it at once; other processes see the change when their copy expires. Use it only where acting
on a copy up to ``ttl`` seconds old is acceptable, and say so where it is used.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_all: list["ReferenceCache[Any]"] = []


class ReferenceCache(Generic[T]):
    def __init__(self, loader: Callable[[], T], *, ttl: float, models: Iterable[type[models.Model]] = ()) -> None:
        self._loader = loader
        self._ttl = ttl
        self._value: T | None = None
        self._expires = 0.0
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
            for field in model._meta.many_to_many:
                m2m_changed.connect(self._changed, sender=field.remote_field.through, weak=False)
        _all.append(self)

    def get(self) -> T:
        now = time.monotonic()
        if self._value is None or now >= self._expires:
            self._value = self._loader()
            self._expires = now + self._ttl
        return self._value

    def clear(self) -> None:
        self._value = None

    def _changed(self, **kwargs: Any) -> None:
        self.clear()


def clear_all() -> None:
    """Forget every cached copy (tests do this between tests: a rollback sends no signals)."""
    for cache in _all:
        cache.clear()
