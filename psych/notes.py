"""The confidential notes of consultations: written and read only by psychologists of the consultation's
service, encrypted at rest (``psych.crypto``), editable for 24 hours after the session and corrected by
addenda after that; every read and every write is journaled (the fact, never the text). And the record
of a break of confidentiality when a life is at risk.

The check is the predicate ``psych.rules.note_reader`` asked directly: not ``has_perm``, which a Django
superuser passes for everything.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.staff import address_of
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import own_organisation_id
from core.roles import Role
from core.validators import clean_text
from notify import services as notify
from notify.models import Channel
from psych import crypto
from psych.models import NOTE_EDIT_HOURS, ConfidentialityBreach, Consultation, NoteAddendum, ReportedTo, SessionNote
from psych.rules import note_reader

MAX_NOTE_LENGTH = 20000
NOTIFICATION_LANGUAGE = "ru"


def may_read(user: object, consultation: Consultation) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and note_reader.test(user, consultation)


def _require_reader(user: object, consultation: Consultation) -> None:
    if not may_read(user, consultation):
        raise PermissionDenied(_("Only psychologists of the consultation's service read and write its notes."))


def _journal(actor: Actor, action: str, consultation: Consultation, what: str, **details: object) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=consultation,
        person_id=consultation.person_id,
        fields=[what],
        details=details,
    )


def _clean(text: str, field_name: str) -> str:
    try:
        cleaned = clean_text(text or "", multiline=True).strip()
    except ValidationError as error:
        raise ValidationError({field_name: error.messages}) from error
    if not cleaned:
        raise ValidationError({field_name: _("Write the text of the note.")})
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationError({field_name: _("At most %(n)d characters.") % {"n": MAX_NOTE_LENGTH}})
    return cleaned


@dataclass
class Addendum:
    text: str
    written_by: User
    written_at: datetime.datetime


@dataclass
class NoteView:
    """What a psychologist of the service sees of a consultation's note."""

    text: str = ""
    version: int = 0
    written_by: User | None = None
    updated_at: datetime.datetime | None = None
    editable: bool = False
    editable_until: datetime.datetime | None = None
    addenda: list[Addendum] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.version > 0


def editable(consultation: Consultation, now: datetime.datetime | None = None) -> bool:
    """A note is written during the session and for 24 hours after its end."""
    now = now or timezone.now()
    if consultation.status == Consultation.Status.IN_PROGRESS:
        return True
    until = consultation.note_editable_until
    return consultation.status == Consultation.Status.DONE and until is not None and now <= until


def read_note(*, actor: Actor, consultation: Consultation, now: datetime.datetime | None = None) -> NoteView:
    """The note and its addenda, decrypted, for a psychologist of the service; the read is journaled."""
    _require_reader(actor.user, consultation)
    note = SessionNote.objects.filter(consultation=consultation).select_related("written_by").first()
    addenda = list(NoteAddendum.objects.filter(consultation=consultation).select_related("written_by"))
    view = NoteView(
        editable=editable(consultation, now),
        editable_until=consultation.note_editable_until,
        addenda=[Addendum(crypto.decrypt(a.ciphertext), a.written_by, a.written_at) for a in addenda],
    )
    if note is not None:
        view.text = crypto.decrypt(note.ciphertext)
        view.version = note.version
        view.written_by = note.written_by
        view.updated_at = note.updated_at
    if note is not None or addenda:
        with transaction.atomic():
            _journal(actor, Action.VIEW, consultation, "note", addenda=len(addenda))
    return view


def write_note(
    *, actor: Actor, consultation: Consultation, text: str, expected_version: int, now: datetime.datetime | None = None
) -> SessionNote:
    """Write or rewrite the note (``expected_version`` 0 for the first one). Allowed while the session runs and
    for 24 hours after it ends; later, an addendum is the way to correct it."""
    _require_reader(actor.user, consultation)
    now = now or timezone.now()
    if consultation.status not in (Consultation.Status.IN_PROGRESS, Consultation.Status.DONE):
        raise ValidationError({"text": _("A note is written once the consultation has started.")})
    if not editable(consultation, now):
        raise ValidationError(
            {
                "text": _(
                    "The note can no longer be changed: %(hours)d hours have passed since the session. Add an addendum."
                )
                % {"hours": NOTE_EDIT_HOURS}
            }
        )
    ciphertext = crypto.encrypt(_clean(text, "text"))
    with transaction.atomic():
        if expected_version == 0:
            try:
                with transaction.atomic():
                    note = SessionNote.objects.create(
                        consultation=consultation,
                        ciphertext=ciphertext,
                        written_by=actor.user,
                        written_at=now,
                        updated_at=now,
                    )
            except IntegrityError as error:
                raise ConcurrentEditError from error
        else:
            updated = SessionNote.objects.filter(consultation=consultation, version=expected_version).update(
                ciphertext=ciphertext, version=expected_version + 1, written_by=actor.user, updated_at=now
            )
            if not updated:
                raise ConcurrentEditError
            note = SessionNote.objects.get(consultation=consultation)
        _journal(actor, Action.CREATE if expected_version == 0 else Action.CHANGE, consultation, "note")
    return note


def add_addendum(*, actor: Actor, consultation: Consultation, text: str) -> NoteAddendum:
    """A correction or an addition to the note of a consultation held; it never replaces what was written."""
    _require_reader(actor.user, consultation)
    if consultation.status != Consultation.Status.DONE:
        raise ValidationError({"text": _("An addendum is added to a consultation that has been held.")})
    ciphertext = crypto.encrypt(_clean(text, "text"))
    with transaction.atomic():
        addendum = NoteAddendum.objects.create(consultation=consultation, ciphertext=ciphertext, written_by=actor.user)
        _journal(actor, Action.CREATE, consultation, "note_addendum")
    return addendum


# --- breaking confidentiality -----------------------------------------------------------------------


def supervisors_to_inform(consultation: Consultation) -> list[User]:
    """The supervisors a psychologist may name: the service's own, then the city's."""
    supervisors = list(
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).select_related("worker__organisation")
    )
    own = [u for u in supervisors if own_organisation_id(u) == consultation.organisation_id]
    citywide = [
        u
        for u in supervisors
        if getattr(u, "worker", None) is None
        or u.worker.organisation is None
        or u.worker.organisation.kind not in ("hospital", "psych_service")
    ]
    return own + [u for u in citywide if u not in own]


def record_breach(
    *,
    actor: Actor,
    consultation: Consultation,
    reason: str,
    reported_to: str,
    reported_to_detail: str = "",
    reference_number: str = "",
    supervisor: User | None,
    reported_at: datetime.datetime | None = None,
) -> ConfidentialityBreach:
    """Confidentiality broken because a life was at risk: recorded with its reason, to whom and their
    reference number; the supervisor named is told at once through the outbox (without the client's name)."""
    _require_reader(actor.user, consultation)
    problems: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for name, value, required, limit in (
        ("reason", reason, True, 500),
        ("reported_to_detail", reported_to_detail, False, 200),
        ("reference_number", reference_number, False, 100),
    ):
        try:
            cleaned = " ".join(clean_text(value or "").split())
        except ValidationError as error:
            problems[name] = error.messages
            continue
        if required and not cleaned:
            problems[name] = [_("This field is required.")]
        elif len(cleaned) > limit:
            problems[name] = [_("At most %(n)d characters.") % {"n": limit}]
        texts[name] = cleaned
    if reported_to not in ReportedTo.values:
        problems["reported_to"] = [_("Choose to whom it was reported.")]
    if supervisor is None or supervisor.pk not in {u.pk for u in supervisors_to_inform(consultation)}:
        problems["supervisor"] = [_("Choose the supervisor you informed.")]
    now = timezone.now()
    when = reported_at or now
    if when > now + datetime.timedelta(minutes=5):
        problems["reported_at"] = [_("The time of the report cannot be in the future.")]
    if problems or supervisor is None:
        raise ValidationError(problems)
    with transaction.atomic():
        breach = ConfidentialityBreach.objects.create(
            consultation=consultation,
            reason=texts["reason"],
            reported_to=reported_to,
            reported_to_detail=texts["reported_to_detail"],
            reference_number=texts["reference_number"],
            reported_at=when,
            supervisor=supervisor,
            recorded_by=actor.user,
        )
        with translation.override(NOTIFICATION_LANGUAGE):
            body = _(
                "Confidentiality broken to save a life: consultation № %(n)s, %(service)s, reported to %(to)s, "
                "reference %(ref)s. Recorded by %(who)s."
            ) % {
                "n": consultation.pk,
                "service": consultation.organisation,
                "to": breach.get_reported_to_display(),
                "ref": breach.reference_number or "—",
                "who": actor.user.get_full_name() or actor.user.get_username(),
            }
            subject = _("Break of confidentiality")
        channel, recipient = address_of(supervisor)
        notify.send(
            channel=channel,
            recipient=recipient,
            subject=subject if channel == Channel.EMAIL else "",
            body=body,
            related=breach,
            dedup_key=f"psych-breach:{breach.pk}",
        )
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=breach,
            person_id=consultation.person_id,
            fields=["reason", "reported_to", "reference_number", "supervisor"],
            details={"consultation": consultation.pk, "reported_to": reported_to},
        )
    return breach
