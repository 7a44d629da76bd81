"""Base models shared by the domain apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row users edit: `version` grows by one on every saved change (optimistic locking).

    Services update with ``filter(pk=..., version=expected).update(..., version=expected + 1)``
    through :func:`core.services.save_versioned`; zero rows updated means someone saved first.
    """

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True
