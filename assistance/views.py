"""The dispatcher's pages: the TCSO's queue, a request with its history, assignment and transfer."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from assistance import selectors, services, workflow
from assistance.forms_dispatch import FIRST_HOUR, LAST_HOUR, RescheduleForm
from assistance.models import HelpRequest, ServiceType, Status, Transition, Urgency, VisitMove
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import bounded_int
from directory.models import Organisation, Worker
from people.models import PersonPhone


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _int(value: str | None) -> int | None:
    """An id or version from the query string or the form; None when it is no number a row can have."""
    return bounded_int(value)


def _filters(request: HttpRequest) -> selectors.QueueFilters:
    get = request.GET
    return selectors.QueueFilters(
        status=get.get("status", "open") or "open",
        service_type=_int(get.get("service_type")),
        urgency=get.get("urgency", "") if get.get("urgency") in Urgency.values else "",
        overdue=get.get("overdue") == "1",
        district=_int(get.get("district")),
        tcso=_int(get.get("tcso")),
    )


# The queue's sortable columns in the order shown, with their headings.
COLUMNS = [
    ("number", "№"),
    ("due", _lazy("Due")),
    ("service", _lazy("Service")),
    ("citizen", _lazy("Citizen")),
    ("district", _lazy("District")),
    ("window", _lazy("Visit window")),
    ("assignee", _lazy("Worker")),
    ("status", _lazy("Status")),
]


def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, "assistance.view_queue")
    scope = selectors.queue_scope(user)
    tcso = selectors.own_tcso(user)
    filters = _filters(request)
    sort = selectors.clean_sort(request.GET.get("sort"))
    page = selectors.queue_page(selectors.queue(scope, filters, sort), request.GET.get("page"))
    keep = request.GET.copy()
    for name in ("sort", "page", "part", "requests"):
        keep.pop(name, None)
    ticked = {i for i in (_int(v) for v in request.GET.getlist("requests")) if i}
    context: dict[str, Any] = {
        "page": page,
        "sort": sort,
        "columns": [
            (key, label, sort.lstrip("-") == key, sort.startswith("-"), key if sort != key else f"-{key}")
            for key, label in COLUMNS
        ],
        "query": keep.urlencode(),
        "ticked": ticked,
        "filters": filters,
        "counts": selectors.queue_counts(scope),
        "tcso": tcso,
        "statuses": [("open", _("all open")), ("all", _("all")), *Status.choices],
        "service_types": ServiceType.objects.filter(is_active=True),
        "urgencies": Urgency.choices,
        "districts": selectors.queue_districts(scope, tcso),
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("name") if tcso is None else [],
        "workers": selectors.field_workers(tcso.pk) if tcso else [],
    }
    if request.htmx and request.GET.get("part") == "counts":  # type: ignore[attr-defined]
        return render(request, "assistance/_queue_counts.html", context)
    if request.htmx and request.GET.get("part") == "rows":  # type: ignore[attr-defined]
        return render(request, "assistance/_queue_rows.html", context)
    return render(request, "assistance/queue.html", context)


def _get_request(request: HttpRequest, pk: int) -> HelpRequest:
    return selectors.get_visible_request(request.user, pk)  # type: ignore[arg-type]


# The order the moves' buttons come in on the request page: the usual next step first, the ends last.
MOVE_ORDER = [Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE, Status.RETURNED, Status.FAILED, Status.CANCELLED]


@dataclass
class Move:
    to: str
    label: str
    reason_label: str  # empty when the move needs no words


def _moves(user: User, help_request: HelpRequest, can_dispatch: bool) -> list[Move]:
    """The status moves the user may make on the request page, each with its own reason field if any.
    Assigning has its own forms (suggestions, reassign); a dispatcher closes a failure, not hands it back."""
    moves = []
    for to in MOVE_ORDER:
        if not workflow.allowed(help_request.status, to) or not user.has_perm(workflow.PERMISSION[to], help_request):
            continue
        if to == Status.RETURNED and can_dispatch:
            continue
        reason = workflow.REASON_LABELS.get(to, "") if workflow.needs_reason(help_request.status, to) else ""
        moves.append(Move(to, str(workflow.action_label(help_request.status, to)), str(reason)))
    return moves


def _reschedule_initial(help_request: HelpRequest) -> dict[str, Any]:
    """The window the "move the visit" form starts from: the agreed one while it is ahead, else its hours
    tomorrow (10:00–13:00 when it had none in the day)."""
    day, hours = timezone.localdate() + datetime.timedelta(days=1), (10, 13)
    if help_request.window_start is not None and help_request.window_end is not None:
        start, end = timezone.localtime(help_request.window_start), timezone.localtime(help_request.window_end)
        if start.date() == end.date() and FIRST_HOUR <= start.hour < end.hour <= LAST_HOUR:
            hours = (start.hour, end.hour)
            if end > timezone.now():
                day = start.date()
    return {"window_date": day, "window_from": hours[0], "window_to": hours[1], "version": help_request.version}


def _history(help_request: HelpRequest) -> list[Transition | VisitMove]:
    steps: list[Transition | VisitMove] = [*help_request.transitions.select_related("by")]
    steps += help_request.visit_moves.select_related("by")
    return sorted(steps, key=lambda step: step.at)


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(request, pk)
    user = _user(request)
    can_dispatch = user.has_perm("assistance.dispatch_request", help_request)
    can_move_visit = can_dispatch and help_request.status in services.RESCHEDULABLE
    live = help_request.assignments.filter(outcome="").select_related("worker").first()
    context = {
        "r": help_request,
        # Status changes and visits moved, in the order they happened.
        "history": _history(help_request),
        "assignments": help_request.assignments.select_related("worker"),
        "moves": _moves(user, help_request, can_dispatch),
        "live": live,
        "phones": PersonPhone.objects.filter(person_id=help_request.person_id),
        "night_window": selectors.night_window(help_request),
        "returned_reason": help_request.transitions.filter(to_status=Status.RETURNED).order_by("-at", "-pk").first()
        if help_request.status == Status.RETURNED
        else None,
        "can_dispatch": can_dispatch,
        "reschedule": RescheduleForm(initial=_reschedule_initial(help_request)) if can_move_visit else None,
        "window_passed": help_request.window_end is not None and help_request.window_end <= timezone.now(),
        "workers": selectors.field_workers(help_request.tcso_id)
        if can_dispatch and help_request.status in workflow.WITH_WORKER
        else [],
        # The citizen's name is linked to the card only for whoever may open that card.
        "can_open_card": user.has_perm("people.view_person", help_request.person),
        "suggestions": selectors.suggestions_for(help_request)
        if can_dispatch and help_request.status in workflow.TO_ASSIGN
        else [],
        "other_tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO, is_active=True)
        .exclude(pk=help_request.tcso_id)
        .order_by("name")
        if user.has_perm("assistance.transfer_request", help_request)
        else [],
    }
    return render(request, "assistance/request_detail.html", context)


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/assistance/"):
        return redirect(target)
    return redirect("assistance:request", pk=pk)


def _report(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConcurrentEditError):
        messages.error(request, str(exc.message))
    elif isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("You do not have permission to do this."))


def _act(request: HttpRequest, pk: int, do: Callable[[], object], said: Callable[[], str]) -> HttpResponse:
    """Run a service call of the request page: its refusal (stale version, bad input, no permission) as an
    error message, else ``said()`` as the success message; back to where the form was."""
    try:
        do()
    except (ConcurrentEditError, ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(request, said())
    return _back(request, pk)


@require_POST
def request_move(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(request, pk)
    return _act(
        request,
        pk,
        lambda: services.transition(
            help_request=help_request,
            to=request.POST.get("to", ""),
            actor=Actor.from_request(request),
            version=_int(request.POST.get("version")) or 0,
            reason=request.POST.get("reason", ""),
        ),
        lambda: (
            _("Request № %(number)s: %(status)s.")
            % {"number": help_request.pk, "status": help_request.get_status_display()}
        ),
    )


@require_POST
def request_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the visit to a new window agreed with the citizen (journaled); the request is due by its end."""
    help_request = _get_request(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(request, pk)
    start, end = (timezone.localtime(moment) for moment in form.window())
    return _act(
        request,
        pk,
        lambda: services.reschedule(
            help_request=help_request,
            window_start=start,
            window_end=end,
            night_visit=form.cleaned_data["night_visit"],
            reason=form.cleaned_data["reason"],
            actor=Actor.from_request(request),
            version=form.cleaned_data["version"],
        ),
        lambda: (
            _("Request № %(number)s: the visit is moved to %(day)s, %(start)s–%(end)s.")
            % {
                "number": help_request.pk,
                "day": date_format(start, "d.m.Y"),
                "start": date_format(start, "H:i"),
                "end": date_format(end, "H:i"),
            }
        ),
    )


@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(request, pk)
    worker = Worker.objects.filter(pk=_int(request.POST.get("worker")) or 0).first()
    return _act(
        request,
        pk,
        lambda: services.accept_and_assign(
            help_request=help_request,
            assignee=worker,
            actor=Actor.from_request(request),
            version=_int(request.POST.get("version")) or 0,
        ),
        lambda: _("Request № %(number)s assigned to %(worker)s.") % {"number": help_request.pk, "worker": worker},
    )


@require_POST
def request_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the request to another worker, with a reason: the old assignment is withdrawn (journaled)."""
    help_request = _get_request(request, pk)
    worker = Worker.objects.filter(pk=_int(request.POST.get("worker")) or 0).first()
    return _act(
        request,
        pk,
        lambda: services.reassign(
            help_request=help_request,
            assignee=worker,
            actor=Actor.from_request(request),
            version=_int(request.POST.get("version")) or 0,
            reason=request.POST.get("reason", ""),
        ),
        lambda: _("Request № %(number)s reassigned to %(worker)s.") % {"number": help_request.pk, "worker": worker},
    )


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, "assistance.view_queue")
    actor = Actor.from_request(request)
    worker = Worker.objects.filter(pk=_int(request.POST.get("worker")) or 0).first()
    ids = [i for i in (_int(v) for v in request.POST.getlist("requests")) if i]
    done = failed = 0
    for help_request in selectors.queue_scope(user).filter(pk__in=ids).order_by("due_at"):
        try:
            services.accept_and_assign(
                help_request=help_request, assignee=worker, actor=actor, version=help_request.version
            )
            done += 1
        except (ConcurrentEditError, ValidationError, PermissionDenied):
            failed += 1
    if not ids or worker is None:
        messages.error(request, _("Tick the requests and choose a worker."))
    else:
        messages.success(request, _("Assigned: %(done)s, not assigned: %(failed)s.") % {"done": done, "failed": failed})
    return redirect("assistance:queue")


@require_POST
def auto_assign_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, "assistance.view_queue")
    tcso = selectors.own_tcso(user)
    if tcso is None:
        raise PermissionDenied(_("Auto-assign works on your own TCSO's queue, and you are not on a TCSO's staff."))
    result = services.auto_assign_all(tcso=tcso, actor=Actor.from_request(request))
    messages.success(
        request,
        _("Auto-assign: %(assigned)s assigned, %(left)s left in the queue (no worker with the skills or capacity).")
        % {"assigned": result.assigned, "left": result.left_unassigned + result.refused},
    )
    if result.at_night:
        messages.warning(
            request,
            _("%(count)s of them have a time window at night: agree the visit with the citizen and assign by hand.")
            % {"count": result.at_night},
        )
    return redirect("assistance:queue")


@require_POST
def request_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(request, pk)
    to_tcso = Organisation.objects.filter(pk=_int(request.POST.get("tcso")) or 0, kind=Organisation.Kind.TCSO).first()
    try:
        if to_tcso is None:
            raise ValidationError(_("Choose an active TCSO."))
        services.transfer(
            help_request=help_request,
            to_tcso=to_tcso,
            actor=Actor.from_request(request),
            version=_int(request.POST.get("version")) or 0,
            reason=request.POST.get("reason", ""),
        )
    except (ConcurrentEditError, ValidationError, PermissionDenied) as exc:
        _report(request, exc)
        return redirect("assistance:request", pk=pk)
    messages.success(request, _("Request handed to %(tcso)s.") % {"tcso": to_tcso})
    return redirect("assistance:queue")
