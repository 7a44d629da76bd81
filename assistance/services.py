"""Business actions on help requests. Each checks permission, validates, writes and journals in one
transaction; a status move is a conditional UPDATE on (status, version), so of two concurrent moves
exactly one wins and the other gets a clear message."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import notifications, reference, selectors, signals, tallies, workflow
from assistance.models import (
    Assignment,
    HelpRequest,
    IntakeChannel,
    ServiceType,
    Status,
    Transition,
    Urgency,
    VisitMove,
)
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.services import save_versioned
from core.validators import clean_text
from directory.models import Organisation, Worker
from people.models import Person


def tcso_for(person: Person) -> Organisation:
    """The TCSO that serves the citizen's district: where the request goes."""
    if person.district_id is None:
        raise ValidationError(
            {"person": _("The citizen's district is not known: fill in the address and district first.")}
        )
    tcso = reference.serving_tcso(person.district_id)
    if tcso is None:
        raise ValidationError({"person": _("No TCSO serves the citizen's district. Tell the administrator.")})
    return tcso


@dataclass
class RequestInput:
    """What a request says. ``service_type`` is None when the caller named a service the catalogue
    does not offer (the check says so next to the other fields' problems)."""

    service_type: ServiceType | None
    details: str = ""
    address: str = ""
    urgency: str = Urgency.NORMAL
    window_start: datetime.datetime | None = None
    window_end: datetime.datetime | None = None
    intake_channel: str = IntakeChannel.PHONE
    night_visit: bool = False  # the citizen asked for a visit outside working hours


def open_duplicates(person: Person, service_type: ServiceType) -> list[HelpRequest]:
    """Open requests of the same citizen for the same kind of help: the operator is warned."""
    return list(
        HelpRequest.objects.filter(person=person, service_type=service_type, status__in=workflow.OPEN).order_by("pk")
    )


Problems = dict[str, list[str]]


def check_request(*, person: Person | None, data: RequestInput, actor: Actor) -> Problems:
    """What stops a request from being registered, per field; empty when nothing does.

    ``person`` is None when the caller named a citizen who does not exist: the answer is the same as for
    a citizen the actor may not see, so a caller learns nothing of records it may not open.
    """
    problems: Problems = {}
    if person is None or not actor.user.has_perm("people.view_person", person):
        problems["person"] = [_("No such citizen.")]
    if data.service_type is None:
        problems["service_type"] = [_("No such service in the catalogue.")]
    elif not data.service_type.is_active:
        problems["service_type"] = [_("This service is no longer offered.")]
    if data.urgency not in Urgency.values:
        problems["urgency"] = [_("Choose normal or urgent.")]
    if data.window_start and data.window_end and data.window_end <= data.window_start:
        problems["window_end"] = [_("The end of the time window must be after its start.")]
    for field, multiline in (("details", True), ("address", False)):
        try:
            clean_text(getattr(data, field), multiline=multiline)
        except ValidationError as exc:
            problems[field] = list(exc.messages)
    return problems


def create_request(*, person: Person, data: RequestInput, actor: Actor) -> HelpRequest:
    """Register a need of ``person``: routed to the TCSO of the citizen's district, due by the service's
    target time (a quarter of it when urgent)."""
    require(actor.user, "assistance.create_request")
    if problems := check_request(person=person, data=data, actor=actor):
        raise ValidationError(problems)
    service_type = data.service_type
    assert service_type is not None  # check_request refuses a missing service
    tcso = tcso_for(person)
    now = timezone.now()
    # No savepoint: everything that may refuse is checked above, so inside the block only a database
    # failure can happen, and that must undo the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        help_request = HelpRequest.objects.create(
            person=person,
            service_type=service_type,
            tcso=tcso,
            intake_channel=data.intake_channel,
            urgency=data.urgency,
            details=clean_text(data.details, multiline=True).strip(),
            address=(clean_text(data.address) if data.address else person.address).strip(),
            window_start=data.window_start,
            window_end=data.window_end,
            night_visit=data.night_visit,
            due_at=HelpRequest.due_for(service_type, now, data.urgency == Urgency.URGENT, data.window_end),
            status_changed_at=now,
            created_by=actor.user,
        )
        Transition.objects.create(request=help_request, from_status="", to_status=Status.NEW, at=now, by=actor.user)
        tallies.created(help_request)
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=help_request,
            person_id=person.pk,
            fields=["service_type", "details", "address", "urgency", "window_start", "window_end"]
            + (["night_visit"] if data.night_visit else []),
        )
    return help_request


def _move(
    help_request: HelpRequest, *, to: str, by: User, version: int, reason: str, now: datetime.datetime, **extra: Any
) -> None:
    """The conditional UPDATE behind every move: it only matches the row as the caller saw it."""
    values: dict[str, Any] = {"status": to, "status_changed_at": now, "version": version + 1, "updated_at": now}
    if to in workflow.CLOSED:
        values.update(closed_at=now, close_reason=reason)
    values.update(extra)
    updated = HelpRequest.objects.filter(pk=help_request.pk, version=version, status=help_request.status).update(
        **values
    )
    if updated != 1:
        current = HelpRequest.objects.filter(pk=help_request.pk).values_list("version", flat=True).first()
        raise ConcurrentEditError(current_version=current)
    from_status = help_request.status
    Transition.objects.create(request=help_request, from_status=from_status, to_status=to, at=now, by=by, reason=reason)
    counted = tallies.rows_of(help_request)
    for name, value in values.items():
        setattr(help_request, name, value)
    tallies.moved(counted, help_request)
    signals.request_moved.send(
        sender=HelpRequest,
        help_request=help_request,
        from_status=from_status,
        to_status=to,
        by=by,
        reason=reason,
        at=now,
    )


def transition(
    *,
    help_request: HelpRequest,
    to: str,
    actor: Actor,
    version: int,
    reason: str = "",
    assignee: Worker | None = None,
    money_spent: Decimal | None = None,
    receipt: Any = None,
) -> HelpRequest:
    """Move ``help_request`` to status ``to``; the one entry point for every status change.

    "Could not be done" (``failed``) from the worker who holds the task hands the request back to the
    dispatcher (``returned``): he assigns it again or closes it. A dispatcher or supervisor closes it.
    Withdrawing the worker (back to ``accepted``) needs a reason, like failing and cancelling.
    """
    if to not in Status.values:
        raise ValidationError({"to": _("Unknown status.")})
    if (
        to == Status.FAILED
        and help_request.status in workflow.WITH_WORKER
        and not actor.user.has_perm("assistance.dispatch_request", help_request)
    ):
        to = Status.RETURNED
    if not workflow.allowed(help_request.status, to):
        raise ValidationError(
            {
                "to": _("A request that is “%(current)s” cannot become “%(target)s”.")
                % {"current": help_request.get_status_display(), "target": Status(to).label}
            }
        )
    require(actor.user, workflow.PERMISSION[to], help_request)
    reason = (reason or "").strip()
    if workflow.needs_reason(help_request.status, to) and not reason:
        raise ValidationError({"reason": _("Say why.")})
    if to == Status.ASSIGNED:
        return assign(help_request=help_request, assignee=assignee, actor=actor, version=version)
    if to == Status.DONE and help_request.service_type.handles_money and money_spent is None:
        # Whoever closes it (the phone form, the API, a command): the amount spent is part of the record.
        raise ValidationError({"money_spent": _("Say how much money was spent (0 if none).")})
    if money_spent is not None and money_spent < 0:
        raise ValidationError({"money_spent": _("The amount cannot be negative.")})
    now = timezone.now()
    with transaction.atomic():
        _move(help_request, to=to, by=actor.user, version=version, reason=reason, now=now)
        live = Assignment.objects.filter(request=help_request, outcome="").first()
        if live is not None:
            if to == Status.IN_PROGRESS:
                live.started_at = now
                live.save(update_fields=["started_at", "updated_at"])
            elif to in (Status.DONE, Status.RETURNED, Status.FAILED):
                live.outcome = Assignment.Outcome.DONE if to == Status.DONE else Assignment.Outcome.FAILED
                live.finished_at = now
                live.reason = reason
                live.money_spent = money_spent
                if receipt:
                    live.receipt = receipt
                live.save()
            elif to in (Status.ACCEPTED, Status.CANCELLED):
                live.outcome = Assignment.Outcome.WITHDRAWN
                live.finished_at = now
                live.reason = reason
                live.save(update_fields=["outcome", "finished_at", "reason", "updated_at"])
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=help_request,
            person_id=help_request.person_id,
            fields=["status"],
            details={"to": to},
        )
        notifications.request_moved(help_request, to)
    return help_request


# Requests whose visit may still be moved: not yet begun, or brought back undone.
RESCHEDULABLE = (Status.NEW, Status.ACCEPTED, Status.ASSIGNED, Status.RETURNED)


def reschedule(
    *,
    help_request: HelpRequest,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    actor: Actor,
    version: int,
    night_visit: bool = False,
    reason: str = "",
) -> HelpRequest:
    """Move the visit to a new time window agreed with the citizen (after a visit that could not be made,
    or when the window first given falls at night): the request is due by the new window's end, and the
    worker holding it sees the new time on his task. Of two dispatchers moving it at once, one wins."""
    require(actor.user, "assistance.dispatch_request", help_request)
    if help_request.status not in RESCHEDULABLE:
        raise ValidationError(
            {
                "status": _("The visit of a request that is “%(current)s” cannot be moved.")
                % {"current": help_request.get_status_display()}
            }
        )
    if window_end <= window_start:
        raise ValidationError({"window_end": _("The end of the time window must be after its start.")})
    now = timezone.now()
    if window_end <= now:
        raise ValidationError({"window_end": _("This time window has already passed.")})
    reason = clean_text(reason).strip()
    before = (help_request.window_start, help_request.window_end)
    help_request.window_start, help_request.window_end, help_request.night_visit = window_start, window_end, night_visit
    help_request.due_at = HelpRequest.due_for(
        help_request.service_type, now, help_request.urgency == Urgency.URGENT, window_end
    )
    with transaction.atomic():
        save_versioned(
            help_request, expected_version=version, fields=["window_start", "window_end", "night_visit", "due_at"]
        )
        VisitMove.objects.create(
            request=help_request,
            at=now,
            by=actor.user,
            from_start=before[0],
            from_end=before[1],
            to_start=window_start,
            to_end=window_end,
            reason=reason,
        )
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=help_request,
            person_id=help_request.person_id,
            fields=["window_start", "window_end", "due_at"] + (["night_visit"] if night_visit else []),
            details={"from": [moment.isoformat() if moment else None for moment in before], "reason": reason},
        )
        notifications.visit_moved(help_request)
    return help_request


def _check_assignment(help_request: HelpRequest, assignee: Worker | None, actor: Actor) -> None:
    require(actor.user, "assistance.dispatch_request", help_request)
    if assignee is None:
        raise ValidationError({"assignee": _("Choose who will do it.")})
    if not assignee.is_active or assignee.organisation_id != help_request.tcso_id:
        raise ValidationError({"assignee": _("This worker is not on the staff of the request's TCSO.")})


def accept_and_assign(*, help_request: HelpRequest, assignee: Worker | None, actor: Actor, version: int) -> HelpRequest:
    """Accept a new request for the TCSO (if it is still new) and give it to ``assignee``, in one
    transaction: both moves happen or neither. The request page, bulk assign and auto-assign use it."""
    _check_assignment(help_request, assignee, actor)
    with transaction.atomic():
        if help_request.status == Status.NEW:
            transition(help_request=help_request, to=Status.ACCEPTED, actor=actor, version=version)
            version = help_request.version
        return assign(help_request=help_request, assignee=assignee, actor=actor, version=version)


def assign(
    *,
    help_request: HelpRequest,
    assignee: Worker | None,
    actor: Actor,
    version: int,
) -> HelpRequest:
    """Give an accepted request to a worker of its TCSO. Of two dispatchers assigning at once, one wins."""
    _check_assignment(help_request, assignee, actor)
    assert assignee is not None
    if not workflow.allowed(help_request.status, Status.ASSIGNED):
        raise ValidationError({"to": _("Only an accepted request can be assigned.")})
    now = timezone.now()
    try:
        with transaction.atomic():
            _move(help_request, to=Status.ASSIGNED, by=actor.user, version=version, reason="", now=now)
            Assignment.objects.create(request=help_request, worker=assignee, assigned_by=actor.user)
            notifications.request_moved(help_request, Status.ASSIGNED, assignee)
            audit.record(
                actor=actor,
                action=Action.CHANGE,
                obj=help_request,
                person_id=help_request.person_id,
                fields=["status", "assignee"],
                details={"to": Status.ASSIGNED, "worker": assignee.pk},
            )
    except IntegrityError as exc:  # the partial unique index: someone else assigned it first
        raise ConcurrentEditError() from exc
    return help_request


def unassign(*, help_request: HelpRequest, actor: Actor, version: int, reason: str) -> HelpRequest:
    """Withdraw the worker of an assigned or started request: back to accepted, with a reason (journaled)."""
    if help_request.status not in workflow.WITH_WORKER:
        raise ValidationError({"to": _("Nobody is assigned to this request.")})
    return transition(help_request=help_request, to=Status.ACCEPTED, actor=actor, version=version, reason=reason)


def reassign(
    *, help_request: HelpRequest, assignee: Worker | None, actor: Actor, version: int, reason: str
) -> HelpRequest:
    """Give an assigned, started or returned request to another worker, with a reason; in one transaction,
    so the request is never left without a worker if the new assignment is refused."""
    _check_assignment(help_request, assignee, actor)
    assert assignee is not None
    if help_request.status == Status.RETURNED:
        return assign(help_request=help_request, assignee=assignee, actor=actor, version=version)
    if help_request.status not in workflow.WITH_WORKER:
        raise ValidationError({"to": _("Nobody is assigned to this request.")})
    live = Assignment.objects.filter(request=help_request, outcome="").first()
    if live is not None and live.worker_id == assignee.pk:
        raise ValidationError({"assignee": _("This worker already has the request.")})
    with transaction.atomic():
        unassign(help_request=help_request, actor=actor, version=version, reason=reason)
        return assign(help_request=help_request, assignee=assignee, actor=actor, version=help_request.version)


def transfer(
    *,
    help_request: HelpRequest,
    to_tcso: Organisation,
    actor: Actor,
    version: int,
    reason: str,
) -> HelpRequest:
    """Hand an open, unassigned request to another TCSO, with a reason."""
    require(actor.user, "assistance.transfer_request", help_request)
    if to_tcso.kind != Organisation.Kind.TCSO or not to_tcso.is_active:
        raise ValidationError({"tcso": _("Choose an active TCSO.")})
    if to_tcso.pk == help_request.tcso_id:
        raise ValidationError({"tcso": _("The request is already with this TCSO.")})
    if help_request.status not in (Status.NEW, Status.ACCEPTED):
        raise ValidationError({"tcso": _("Withdraw the worker before handing the request to another TCSO.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    now = timezone.now()
    with transaction.atomic():
        old_tcso = help_request.tcso_id
        # Back to "new" in the other TCSO's queue: the same conditional UPDATE as every other move.
        _move(
            help_request,
            to=Status.NEW,
            by=actor.user,
            version=version,
            reason=f"→ {to_tcso}: {reason.strip()}",
            now=now,
            tcso=to_tcso,
        )
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=help_request,
            person_id=help_request.person_id,
            fields=["tcso"],
            details={"from": old_tcso, "to": to_tcso.pk},
        )
    help_request.refresh_from_db()
    return help_request


@dataclass
class AutoAssignResult:
    assigned: int
    left_unassigned: int
    refused: int
    at_night: int = 0  # of those left: a time window at night the citizen did not ask for


def auto_assign_all(*, tcso: Organisation, actor: Actor) -> AutoAssignResult:
    """Accept and assign every new request of ``tcso``, most urgent due first, to the best ranked worker
    who still has capacity today; requests nobody can take stay in the queue, and so does a request whose
    time window is at night unless the citizen asked for a night visit (a person agrees that one).
    Requests the dispatcher has already accepted or got back are his to decide, not the button's."""
    require(actor.user, "assistance.view_queue")
    workers = selectors.field_workers(tcso.pk)
    loads = selectors.loads_today(workers)
    busy = selectors.busy_windows(workers)
    assigned = unassigned = refused = night = 0
    pending = (
        HelpRequest.objects.filter(tcso=tcso, status=Status.NEW)
        .select_related("person", "service_type")
        .order_by("due_at", "pk")
    )
    failed = selectors.failed_before(pending.values_list("pk", flat=True))
    for help_request in pending:
        if selectors.night_window(help_request):
            unassigned += 1
            night += 1
            continue
        ranked = [
            s
            for s in selectors.rank(help_request, workers, loads, busy, failed.get(help_request.pk, set()))
            if s.has_capacity and s.score > -10
        ]
        if not ranked:
            unassigned += 1
            continue
        best = ranked[0].worker
        try:
            accept_and_assign(help_request=help_request, assignee=best, actor=actor, version=help_request.version)
        except (ConcurrentEditError, PermissionDenied, ValidationError):
            refused += 1  # someone else moved it meanwhile, or it is not ours to assign
            continue
        assigned += 1
        loads[best.pk] = loads.get(best.pk, 0) + 1
        if help_request.window_start and help_request.window_end:
            busy.setdefault(best.pk, []).append((help_request.window_start, help_request.window_end))
    return AutoAssignResult(assigned=assigned, left_unassigned=unassigned, refused=refused, at_night=night)
