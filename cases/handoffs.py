"""The closed-loop hand-off of a patient to the TCSO of their home district, made from a route step.

The coordinator hands a step over (``create_handoff``): a help request is registered for the TCSO
(intake channel "from a case") and a :class:`~cases.models.Handoff` follows it. From then on the TCSO
works on the request as on any other; every move it makes arrives here through assistance's
``request_moved`` event (``on_request_moved``), moves the hand-off along its life
(``cases.workflow.HANDOFF_TRANSITIONS``) and, when the TCSO is done or gives up, the step too, so the
case shows the live state without anyone typing it twice. A hand-off not accepted in time is escalated
(``escalate_overdue``, run by the background loop ``manage.py escalate_handoffs``).
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistance import services as assistance
from assistance.models import HelpRequest, IntakeChannel, ServiceType, Urgency
from assistance.models import Status as RequestStatus
from audit import services as audit
from audit.models import Action
from cases import selectors, workflow
from cases.models import Case, Handoff, RouteStep
from cases.staff import address_of, dispatchers_of, supervisors_for
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.services import save_versioned
from core.validators import clean_text, format_phone
from directory.models import Worker
from notify import services as notify
from people.models import Consent

logger = logging.getLogger("opora.cases")

Status = Handoff.Status


def accept_hours(urgency: str) -> int:
    hours = settings.OPORA_HANDOFF_ACCEPT_HOURS
    return max(1, hours // 4) if urgency == Urgency.URGENT else hours


def consent_to_share(case: Case) -> Consent | None:
    """The patient's consent in force to share their data with a TCSO, if any."""
    return selectors.active_consent(case.person, Consent.Scope.SHARE_WITH_TCSO)


def _sender_line(case: Case, user: User) -> str:
    """Who handed the patient over, for the dispatcher: in the request's text, in Russian (it is data)."""
    worker = Worker.objects.filter(user=user).first()
    name = " ".join(filter(None, [user.last_name, user.first_name])) or user.get_username()
    phone = f", тел. {format_phone(worker.public_phone)}" if worker is not None and worker.public_phone else ""
    return f"Передано из больницы: {case.organisation}, случай № {case.pk}, координатор {name}{phone}."


def create_handoff(
    *,
    actor: Actor,
    step: RouteStep,
    service_type: ServiceType | None,
    details: str = "",
    urgency: str = Urgency.NORMAL,
    window_start: datetime.datetime | None = None,
    window_end: datetime.datetime | None = None,
) -> Handoff:
    """Hand ``step`` over to the TCSO of the patient's district as a help request.

    Refused while the patient's consent to share with a TCSO is missing (the coordinator is told to
    record it first), for a finished step, and for a step already handed over and not yet back.
    """
    case = step.case
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    if step.is_finished:
        raise ValidationError({"step": _("This step is finished: plan it again before handing it over.")})
    if consent_to_share(case) is None:
        raise ValidationError(
            {
                "consent": _(
                    "The patient has not consented to sharing their data with the TCSO. "
                    "Record the consent first (below, in “Hand-off to the TCSO”)."
                )
            }
        )
    try:
        details = clean_text(details or "", multiline=True).strip()
    except ValidationError as error:
        raise ValidationError({"details": error.messages}) from error
    if len(details) > 4000:
        raise ValidationError({"details": _("At most %(n)d characters.") % {"n": 4000}})
    text = f"{_sender_line(case, actor.user)}\n{step.title}" + (f"\n{details}" if details else "")
    data = assistance.RequestInput(
        service_type=service_type,
        details=text,
        urgency=urgency,
        window_start=window_start,
        window_end=window_end,
        intake_channel=IntakeChannel.CASE,
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = RouteStep.objects.select_for_update().get(pk=step.pk)
            if Handoff.objects.filter(step=locked, status__in=workflow.LIVE_HANDOFF_STATUSES).exists():
                raise ValidationError({"step": _("This step is already handed over; wait for the TCSO's answer.")})
            help_request = assistance.create_request(person=case.person, data=data, actor=actor)
            handoff = Handoff.objects.create(
                case=case,
                step=locked,
                request=help_request,
                tcso=help_request.tcso,
                status_changed_at=now,
                accept_by=now + datetime.timedelta(hours=accept_hours(urgency)),
                created_by=actor.user,
            )
            if locked.status == RouteStep.Status.PLANNED:
                locked.status = RouteStep.Status.IN_PROGRESS
                save_versioned(locked, expected_version=locked.version, fields=["status"])
            audit.record(
                actor=actor,
                action=Action.CHANGE,
                obj=case,
                person_id=case.person_id,
                fields=["handoffs"],
                details={"handoff": handoff.pk, "request": help_request.pk, "tcso": help_request.tcso_id},
            )
    except IntegrityError as error:  # two coordinators handed the same step over at the same moment
        raise ValidationError({"step": _("This step is already handed over; wait for the TCSO's answer.")}) from error
    step.refresh_from_db()
    return handoff


def cancel_handoff(*, actor: Actor, handoff: Handoff, reason: str, expected_version: int) -> Handoff:
    """The hospital withdraws a live hand-off (the patient stays, died, declined…): the request is
    cancelled with the same reason, so it leaves the TCSO's queue."""
    case = handoff.case
    require(actor.user, "cases.change_case", case)
    help_request = HelpRequest.objects.select_related("service_type").get(pk=handoff.request_id)
    require(actor.user, "assistance.cancel_request", help_request)
    reason = " ".join(clean_text(reason or "").split())[:500]
    if not reason:
        raise ValidationError({"reason": _("Say why the hand-off is withdrawn.")})
    if not handoff.is_live:
        raise ValidationError({"__all__": _("This hand-off is over; there is nothing to withdraw.")})
    with transaction.atomic():
        # The hand-off ends first: the request's cancellation that follows is then the sender's, not a
        # rejection by the TCSO (on_request_moved leaves a cancelled hand-off alone).
        _set_status(handoff, Status.CANCELLED, reason=reason, expected_version=expected_version)
        if help_request.is_open:
            assistance.transition(
                help_request=help_request,
                to=RequestStatus.CANCELLED,
                actor=actor,
                version=help_request.version,
                reason=_("Withdrawn by the hospital: %(reason)s") % {"reason": reason},
            )
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=case,
            person_id=case.person_id,
            fields=["handoffs"],
            details={"handoff": handoff.pk, "to": Status.CANCELLED},
        )
    return handoff


def _set_status(handoff: Handoff, to: str, *, reason: str = "", expected_version: int | None = None) -> None:
    if not workflow.handoff_allowed(handoff.status, to):
        labels = dict(Status.choices)
        raise ValidationError(
            {
                "__all__": _("A hand-off that is “%(from)s” cannot become “%(to)s”.")
                % {"from": labels[handoff.status], "to": labels.get(to, to)}
            }
        )
    now = timezone.now()
    handoff.status, handoff.status_reason, handoff.status_changed_at = to, reason[:500], now
    save_versioned(
        handoff,
        expected_version=handoff.version if expected_version is None else expected_version,
        fields=["status", "status_reason", "status_changed_at", "tcso", "accept_by", "escalated_at"],
    )


def _finish_step(step: RouteStep, handoff: Handoff, to: str, text: str) -> None:
    """Close the handed-over step as the TCSO's work ended, unless the coordinator already has."""
    if step.is_finished or not workflow.allowed(step.status, to):
        return
    step.status = to
    step.finished_at = timezone.now()
    if to == RouteStep.Status.DONE:
        step.result = "\n".join(filter(None, [step.result, text]))
    else:
        step.failure_reason = text[:500]
    save_versioned(step, expected_version=step.version, fields=["status", "finished_at", "result", "failure_reason"])


def on_request_moved(
    sender: Any,
    *,
    help_request: HelpRequest,
    from_status: str,
    to_status: str,
    by: User | None,
    reason: str,
    at: datetime.datetime,
    **kwargs: Any,
) -> None:
    """assistance's ``request_moved``: move the request's hand-off (and its step) along. Runs inside the
    move's transaction, so the request and the case never disagree."""
    handoff = Handoff.objects.select_for_update().filter(request_id=help_request.pk).first()
    if handoff is None or not handoff.is_live:
        return
    new = workflow.handoff_status_after(handoff.status, to_status)
    moved_away = help_request.tcso_id != handoff.tcso_id
    if moved_away:  # handed to another TCSO: its own clock starts
        handoff.tcso_id = help_request.tcso_id
        handoff.accept_by = at + datetime.timedelta(hours=accept_hours(help_request.urgency))
        handoff.escalated_at = None
    if new == handoff.status and not moved_away:
        return
    if new != handoff.status and not workflow.handoff_allowed(handoff.status, new):
        logger.warning("hand-off %s: request move %s→%s ignored", handoff.pk, from_status, to_status)
        return
    words = reason if new in (Status.REJECTED, Status.FAILED) else ""
    if new in (Status.REJECTED, Status.FAILED) and not words:
        words = _("no reason given")
    if new == handoff.status:
        save_versioned(handoff, expected_version=handoff.version, fields=["tcso", "accept_by", "escalated_at"])
    else:
        _set_status(handoff, new, reason=words)
    step = RouteStep.objects.select_for_update().get(pk=handoff.step_id)
    with translation.override("ru"):
        if new == Status.COMPLETED:
            _finish_step(
                step, handoff, RouteStep.Status.DONE, _("Done by the TCSO: request № %(n)s.") % {"n": help_request.pk}
            )
        elif new in (Status.REJECTED, Status.FAILED):
            label = _("The TCSO rejected it") if new == Status.REJECTED else _("The TCSO could not do it")
            _finish_step(step, handoff, RouteStep.Status.FAILED, f"{label}: {words}")
    audit.record(
        actor=Actor.system(by) if by is not None else None,
        action=Action.CHANGE,
        obj=handoff.case,
        person_id=help_request.person_id,
        fields=["handoffs"],
        details={"handoff": handoff.pk, "request": help_request.pk, "to": new},
    )


# --- escalation -------------------------------------------------------------------------------------


def escalation_recipients(handoff: Handoff) -> list[User]:
    """The TCSO's dispatchers and the hospital's supervisors (the city's when the hospital has none)."""
    seen: dict[int, User] = {}
    for user in [*dispatchers_of(handoff.tcso_id), *supervisors_for(handoff.case.organisation_id)]:
        seen.setdefault(user.pk, user)
    return list(seen.values())


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Escalate every hand-off still waiting for its TCSO past its target time; returns how many.

    Each is marked once (a conditional UPDATE on ``escalated_at``), so two loops never tell anyone twice.
    """
    now = now or timezone.now()
    due = Handoff.objects.filter(status=Status.REQUESTED, accept_by__lt=now, escalated_at__isnull=True)
    escalated = 0
    for handoff in due.select_related("case__organisation", "tcso", "request__service_type")[:500]:
        with transaction.atomic():
            marked = Handoff.objects.filter(pk=handoff.pk, escalated_at__isnull=True, status=Status.REQUESTED).update(
                escalated_at=now, updated_at=now
            )
            if not marked:
                continue
            hours = int((now - handoff.created_at).total_seconds() // 3600)
            with translation.override("ru"):
                subject = _("Hand-off not accepted: request № %(n)s") % {"n": handoff.request_id}
                body = _(
                    "Request № %(n)s (%(service)s) handed over from %(hospital)s (case № %(case)s) has waited "
                    "%(hours)s h for %(tcso)s to accept it. Open the hand-offs: /cases/handoffs/"
                ) % {
                    "n": handoff.request_id,
                    "service": handoff.request.service_type.name,
                    "hospital": handoff.case.organisation,
                    "case": handoff.case_id,
                    "hours": hours,
                    "tcso": handoff.tcso,
                }
            for user in escalation_recipients(handoff):
                channel, recipient = address_of(user)
                notify.send(
                    channel=channel,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    related=handoff,
                    dedup_key=f"handoff-escalated:{handoff.pk}:{user.pk}",
                )
            audit.record(
                actor=None,
                action=Action.CHANGE,
                obj=handoff.case,
                person_id=handoff.case.person_id,
                fields=["handoffs"],
                details={"handoff": handoff.pk, "escalated": True},
            )
            escalated += 1
    return escalated
