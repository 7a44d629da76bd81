"""Crises on a case (issue 12 §1): marking one tells the hospital's psychologists and supervisors at
once, the first psychologist who takes it answers it, and the coordinator or that psychologist ends it.

The response time is ``answered_at - raised_at`` (``CrisisAlert.minutes_to_answer``; the dashboard's
median reads the same columns). There is no duty roster yet: every active psychologist of the
hospital is on duty, and the first to take the crisis answers it.
"""

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.models import Case, CrisisAlert
from cases.staff import address_of, psychologists_of, supervisors_for
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import clean_text
from notify import services as notify
from notify.models import Channel

NOTE_LIMIT = 500
# Notifications go out in Russian: users have no language of their own yet (the page's language is the
# browser's), and the staff of Moscow hospitals read Russian.
NOTIFICATION_LANGUAGE = "ru"


def _text(value: str, field: str) -> str:
    """A required one-line text of at most NOTE_LIMIT characters, without control characters."""
    try:
        text = " ".join(clean_text(value or "").split())
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    if not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > NOTE_LIMIT:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": NOTE_LIMIT}})
    return text


def _journal(actor: Actor, case: Case, alert: CrisisAlert, event: str, **details: object) -> None:
    audit.record(
        actor=actor,
        action=Action.CHANGE,
        obj=case,
        person_id=case.person_id,
        fields=["crisis"],
        details={"crisis": alert.pk, "event": event, **details},
    )


def person_name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


# --- who is told ------------------------------------------------------------------------------------


def recipients(case: Case) -> list[User]:
    """Everyone a crisis on ``case`` is told to, each once, psychologists first."""
    seen: dict[int, User] = {}
    for user in [*psychologists_of(case.organisation_id), *supervisors_for(case.organisation_id)]:
        seen.setdefault(user.pk, user)
    return list(seen.values())


def message(alert: CrisisAlert) -> tuple[str, str]:
    """(subject, text) of the notification. Least privilege on SMS and e-mail: the case number, the
    hospital, the department and who marked it, never the patient's name or what happened to them."""
    case = alert.case
    stay = getattr(case, "stay", None)
    department = stay.department if stay is not None and stay.department else "—"
    subject = _("Crisis: case № %(n)s") % {"n": case.pk}
    body = _(
        "Crisis on case № %(n)s, %(hospital)s, department: %(department)s. Marked by %(who)s at %(time)s. "
        "Take it in Opora: %(path)s"
    ) % {
        "n": case.pk,
        "hospital": case.organisation,
        "department": department,
        "who": person_name(alert.raised_by),
        "time": timezone.localtime(alert.raised_at).strftime("%H:%M"),
        "path": reverse("cases:crises"),
    }
    return subject, body


def notify_team(alert: CrisisAlert) -> int:
    """Queue the notification of ``alert`` to everyone told of it; the dedup key makes a repeat a no-op."""
    with translation.override(NOTIFICATION_LANGUAGE):
        subject, body = message(alert)
    sent = 0
    for user in recipients(alert.case):
        channel, recipient = address_of(user)
        notify.send(
            channel=channel,
            recipient=recipient,
            subject=subject if channel == Channel.EMAIL else "",
            body=body,
            related=alert,
            dedup_key=f"crisis:{alert.pk}:user:{user.pk}",
        )
        sent += 1
    return sent


# --- actions ----------------------------------------------------------------------------------------


def mark_crisis(*, actor: Actor, case: Case, note: str) -> CrisisAlert:
    """The coordinator marks a crisis on an open case: recorded, journaled, and the hospital's
    psychologists and supervisors told through the outbox, all in one transaction."""
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    note = _text(note, "note")
    already = _("A crisis is already open on this case: end it before marking another.")
    if case.crises.filter(ended_at__isnull=True).exists():
        raise ValidationError({"__all__": already})
    try:
        with transaction.atomic():
            alert = CrisisAlert.objects.create(case=case, note=note, raised_at=timezone.now(), raised_by=actor.user)
            told = notify_team(alert)
            _journal(actor, case, alert, "marked", told=told)
    except IntegrityError as error:  # another coordinator marked it at the same moment
        raise ValidationError({"__all__": already}) from error
    return alert


def answer_crisis(*, actor: Actor, alert: CrisisAlert) -> CrisisAlert:
    """A psychologist of the hospital takes the crisis; the first one wins (a conditional update, so two
    at the same moment cannot both), the others are told who took it and when."""
    require(actor.user, "cases.answer_crisis", alert)
    with transaction.atomic():
        now = timezone.now()
        taken = CrisisAlert.objects.filter(pk=alert.pk, answered_at__isnull=True, ended_at__isnull=True).update(
            answered_at=now, answered_by=actor.user
        )
        alert.refresh_from_db()
        if not taken:
            if alert.answered_at is not None:
                raise ValidationError(
                    {
                        "__all__": _("This crisis is already taken by %(name)s at %(time)s.")
                        % {
                            "name": person_name(alert.answered_by),
                            "time": timezone.localtime(alert.answered_at).strftime("%H:%M"),
                        }
                    }
                )
            raise ValidationError({"__all__": _("This crisis is already over.")})
        _journal(actor, alert.case, alert, "answered", minutes=alert.minutes_to_answer)
    return alert


def end_crisis(*, actor: Actor, alert: CrisisAlert, outcome: str) -> CrisisAlert:
    """The case's coordinator or the psychologist who took it says the crisis is over, and what was done.
    Ended unanswered, it stays unanswered (``answered_at`` null): the dashboard counts it so."""
    require(actor.user, "cases.end_crisis", alert)
    outcome = _text(outcome, "outcome")
    with transaction.atomic():
        ended = CrisisAlert.objects.filter(pk=alert.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by=actor.user, outcome=outcome
        )
        if not ended:
            raise ValidationError({"__all__": _("This crisis is already over.")})
        alert.refresh_from_db()
        _journal(actor, alert.case, alert, "ended", answered=alert.answered_at is not None)
    return alert
