"""Helpers shared by the domain services."""

from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from core.exceptions import ConcurrentEditError
from core.models import VersionedModel

M = TypeVar("M", bound=VersionedModel)


def save_versioned(instance: M, *, expected_version: int, fields: list[str]) -> M:
    """Write ``fields`` of ``instance`` only if its row still has ``expected_version``.

    The check and the write are one UPDATE statement, so two concurrent saves cannot both win.
    """
    model: type[models.Model] = type(instance)
    values: dict[str, Any] = {name: getattr(instance, name) for name in fields}
    values["version"] = expected_version + 1
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(**values)
    if updated != 1:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise ConcurrentEditError(current_version=current)
    instance.version = expected_version + 1
    return instance
