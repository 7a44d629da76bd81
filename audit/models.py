"""The append-only, hash-chained journal of every read and change of personal data."""

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("viewed")
    SEARCH = "search", _("searched")
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a journal entry."""


class AuditEvent(models.Model):
    """One journal entry. ``hash`` covers every other column and the previous entry's hash.

    ``hash`` is an HMAC-SHA256 under the journal key, which is kept outside the database
    (``audit.journal_key``), so whoever can write the database cannot recompute the chain. Entries
    sealed before the key came in (numbers below ``ChainHead.keyed_from``) keep their plain SHA-256.

    An entry is written without ``seq``, ``prev_hash`` and ``hash``: appending takes no lock, so the
    journal never serialises the requests that write it. The sealer (``manage.py audit_seal``, run
    beside the server) then links committed entries into the chain, in the order it finds them, and
    that is the only change the database allows: its triggers (migrations 0002, 0003) refuse DELETE,
    and UPDATE of anything but a first seal. The model refuses both too, so a mistake in code fails
    loudly instead of rewriting history.
    """

    seq = models.PositiveBigIntegerField(_("number"), unique=True, null=True, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    actor_roles = models.CharField(_("roles"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    # Through which door the action came (core.actor.Origin: ui, api, system). The column keeps its first
    # name, "channel", which the append-only triggers and the sealed hashes of existing entries name.
    origin = models.CharField(_("origin"), max_length=10, default="ui", db_column="channel")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    person_id = models.BigIntegerField(_("citizen"), null=True, blank=True, db_index=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit journal is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit journal is append-only.")

    def canonical(self) -> bytes:
        payload: dict[str, Any] = {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_username": self.actor_username,
            "actor_roles": self.actor_roles,
            "ip": self.ip_address,
            "channel": self.origin,  # the key sealed entries were hashed with
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "person": self.person_id,
            "fields": self.fields,
            "details": self.details,
            "prev": self.prev_hash,
        }
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_hash(self, key: bytes) -> str:
        """The seal of this entry: HMAC-SHA256 of its canonical form under the journal's entry key."""
        return hmac.new(key, self.canonical(), hashlib.sha256).hexdigest()

    def legacy_hash(self) -> str:
        """The unkeyed SHA-256 that entries sealed before the journal key came in carry."""
        return hashlib.sha256(self.canonical()).hexdigest()


GENESIS_HASH = "0" * 64


class ChainHead(models.Model):
    """The end of the sealed chain; its row lock lets one sealer at a time extend it.

    ``keyed_from`` is the first number sealed with the journal key (HMAC); the entries before it were
    sealed with plain SHA-256 before the key came in (migration 0005). Every record in the head file
    repeats it, and the verifier takes the head file's word for it, so moving it up to pass off
    rewritten entries as unkeyed ones is seen.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    keyed_from = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("journal head")
        verbose_name_plural = _("journal heads")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class ShownPerson(models.Model):
    """A citizen a journal entry showed without being its subject: each person a search or a screen pop
    listed (the entry's ``details["shown"]``).

    An index beside the journal, written with the entry, so the citizen's card finds those entries by
    an indexed look-up; the journal itself is not touched. Every row repeats what the sealed entry says,
    so the index can be rebuilt from the chain (``audit.services.index_shown``).
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    person_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("citizen shown by a journal entry")
        verbose_name_plural = _("citizens shown by journal entries")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["person_id", "event"], name="audit_shown_person_event")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.event_id}"
