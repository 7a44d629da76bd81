"""The outbox: one row per message to send, written in the caller's transaction."""

import phonenumbers
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import digits


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    LOG = "log", _("log only")


class Status(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("not delivered")


# Messages related to records of these types carry secrets (a password-reset link): nobody reads them.
SECRET_RELATED_TYPES = frozenset({"auth.user"})


class OutboxMessage(models.Model):
    """A message and its delivery state.

    ``pending`` waits for ``next_attempt_at``; a worker moves it to ``sending`` with a conditional
    update (so two workers never send it twice), then to ``sent``, back to ``pending`` for a retry, or
    to ``failed`` when the provider refused it or the attempts ran out. While ``sending``,
    ``next_attempt_at`` is the end of the worker's lease: a row still ``sending`` after it belonged to a
    worker that died, and the sweep puts it back in the queue.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The citizen the message concerns; a plain id, so that notify does not depend on people.
    person_id = models.BigIntegerField(_("citizen"), null=True, blank=True, db_index=True)
    related_type = models.CharField(_("related record type"), max_length=100, blank=True)
    related_id = models.CharField(_("related record"), max_length=64, blank=True)
    dedup_key = models.CharField(_("de-duplication key"), max_length=200, null=True, blank=True, unique=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_outbox_due")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="notify_outbox_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notify_outbox_channel_valid"),
            models.CheckConstraint(condition=~Q(recipient=""), name="notify_outbox_recipient_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} to {self.masked_recipient}"

    @property
    def text_is_secret(self) -> bool:
        """A message about a login (a password-reset link): its text opens the account, so no page shows it."""
        return self.related_type in SECRET_RELATED_TYPES

    @property
    def masked_recipient(self) -> str:
        """The recipient with most of it hidden: ``+7 *** ***-45-67``, ``i***@example.ru``."""
        return mask_recipient(self.recipient)


def mask_recipient(recipient: str) -> str:
    if "@" in recipient:
        local, _at, domain = recipient.rpartition("@")
        return f"{local[:1]}***@{domain}"
    number = digits(recipient)
    if recipient.startswith("+") and len(number) > 4:
        try:
            country = str(phonenumbers.parse(recipient, None).country_code)
        except phonenumbers.NumberParseException:
            country = ""
        prefix = f"+{country} " if country else ""
        return f"{prefix}*** ***-{number[-4:-2]}-{number[-2:]}"
    return f"***{recipient[-4:]}" if len(recipient) > 4 else "***"
