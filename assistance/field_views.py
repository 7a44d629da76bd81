"""The field worker's phone pages: my tasks, and one task with Start / Mark as done / Could not be done.

A social worker or volunteer sees only the requests they hold a live assignment on, and of the citizen
only what the visit needs: name, address and phone. Someone else's task answers 404, so that its
existence is not revealed; a task the worker once held and no longer does (done, cancelled, given to
someone else) answers a page saying so, without the citizen's details.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance import services
from assistance.forms_field import DoneForm, FailedForm, StartForm
from assistance.models import Assignment, HelpRequest, Status
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import MAX_ID, format_phone
from people.models import PersonPhone

# Statuses in which a live assignment is the worker's business.
WORKING = (Status.ASSIGNED, Status.IN_PROGRESS)


@dataclass(frozen=True)
class FieldTask:
    """What a field worker may know about a request: nothing of the citizen beyond name, address, phone."""

    pk: int
    version: int
    status: str
    status_label: str
    urgent: bool
    citizen_name: str
    address: str
    phone: str
    phone_display: str
    service_name: str
    handles_money: bool
    details: str
    window_start: datetime.datetime | None
    window_end: datetime.datetime | None
    due_at: datetime.datetime
    person_id: int

    @property
    def when(self) -> datetime.datetime:
        return self.window_start or self.due_at

    @property
    def is_overdue(self) -> bool:
        return (self.window_end or self.due_at) < timezone.now()

    @property
    def can_start(self) -> bool:
        return self.status == Status.ASSIGNED

    @property
    def can_finish(self) -> bool:
        return self.status == Status.IN_PROGRESS

    @property
    def planned_later(self) -> bool:
        """The visit agreed with the citizen starts on a later day: starting it now is probably a slip.

        A task without a window is due *by* its due time, so it can be done today (it is today's task).
        """
        return self.window_start is not None and timezone.localdate(self.window_start) > timezone.localdate()


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _require_field_worker(request: HttpRequest) -> User:
    user = _user(request)
    require(user, "assistance.view_own_tasks")
    return user


def own_tasks(user: User) -> QuerySet[HelpRequest]:
    """Requests on which ``user`` holds the live assignment, soonest first."""
    primary_phone = (
        PersonPhone.objects.filter(person_id=OuterRef("person_id")).order_by("-is_primary", "id").values("number")[:1]
    )
    return (
        HelpRequest.objects.filter(status__in=WORKING, assignments__outcome="", assignments__worker__user_id=user.pk)
        .select_related("person", "service_type")
        .annotate(primary_phone=Subquery(primary_phone), starts=Coalesce("window_start", "due_at"))
        .order_by("starts", "pk")
    )


def _task(help_request: HelpRequest) -> FieldTask:
    person = help_request.person
    phone = getattr(help_request, "primary_phone", None) or ""
    return FieldTask(
        pk=help_request.pk,
        version=help_request.version,
        status=help_request.status,
        status_label=help_request.get_status_display(),
        urgent=help_request.urgency == "urgent",
        citizen_name=person.full_name,
        address=help_request.address or person.address,
        phone=phone,
        phone_display=format_phone(phone) if phone else "",
        service_name=help_request.service_type.name,
        handles_money=help_request.service_type.handles_money,
        details=help_request.details,
        window_start=help_request.window_start,
        window_end=help_request.window_end,
        due_at=help_request.due_at,
        person_id=person.pk,
    )


def _load(user: User, pk: int) -> tuple[HelpRequest, FieldTask]:
    help_request = own_tasks(user).filter(pk=pk).first()
    if help_request is None:
        raise Http404
    return help_request, _task(help_request)


def _record_view(request: HttpRequest, user: User, task: FieldTask, section: str) -> None:
    audit.record(
        actor=Actor.from_request(request),
        action=Action.VIEW,
        object_type="assistance.helprequest",
        object_id=task.pk,
        person_id=task.person_id,
        fields=["full_name", "address", "phone"],
        details={"section": section},
    )


def field_home(request: HttpRequest) -> HttpResponse | None:
    """The start page of a social worker or volunteer: today's tasks (None for every other role)."""
    if not request.user.has_perm("assistance.view_own_tasks"):
        return None
    return field_tasks(request)


def field_tasks(request: HttpRequest) -> HttpResponse:
    """Today's tasks (including late ones) and the upcoming ones."""
    user = _require_field_worker(request)
    tasks = [_task(r) for r in own_tasks(user)]
    for task in tasks:
        _record_view(request, user, task, "field_tasks")
    return render(
        request,
        "assistance/field/tasks.html",
        {
            "today": [t for t in tasks if not t.planned_later],
            "upcoming": [t for t in tasks if t.planned_later],
        },
    )


def _render_task(
    request: HttpRequest,
    task: FieldTask,
    status: int = 200,
    *,
    confirm_start: bool = False,
    bound: tuple[str, forms.Form] | None = None,
) -> HttpResponse:
    """The task page; ``bound`` is a posted form (by its context name) to show with its errors."""
    initial = {"version": task.version}
    context: dict[str, Any] = {
        "task": task,
        "confirm_start": confirm_start,
        "start_form": StartForm(initial=initial),
        "done_form": DoneForm(initial=initial, handles_money=task.handles_money),
        "failed_form": FailedForm(initial=initial),
        "open_form": "",
    }
    if bound is not None:
        name, form = bound
        context[name] = form
        context["open_form"] = name
    return render(request, "assistance/field/task.html", context, status=status)


def _gone(request: HttpRequest, user: User, pk: int) -> HttpResponse | None:
    """The page for a task ``user`` once held and no longer does; None if they never held it."""
    last = (
        Assignment.objects.filter(request_id=pk, worker__user_id=user.pk)
        .select_related("request__service_type")
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is None:
        return None
    help_request = last.request
    if last.outcome == Assignment.Outcome.DONE:
        what = "done"
    elif last.outcome == Assignment.Outcome.FAILED:
        what = "failed"
    elif help_request.status == Status.CANCELLED:
        what = "cancelled"
    else:
        what = "withdrawn"
    return render(
        request,
        "assistance/field/gone.html",
        {"service_name": help_request.service_type.name, "what": what, "finished_at": last.finished_at},
    )


def _known_id(pk: int) -> int:
    """A task number from the address: one the database can hold, else nothing is found (not a 500)."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def field_task(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_field_worker(request)
    pk = _known_id(pk)
    if not own_tasks(user).filter(pk=pk).exists():
        gone = _gone(request, user, pk)
        if gone is not None:
            return gone
    _help_request, task = _load(user, pk)
    _record_view(request, user, task, "field_task")
    return _render_task(request, task)


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _act(request: HttpRequest, pk: int, form_name: str, to: str) -> HttpResponse:
    """Validate the posted form, make the move, and come back with a message or the form's errors."""
    user = _require_field_worker(request)
    pk = _known_id(pk)
    if (
        not own_tasks(user).filter(pk=pk).exists()
        and Assignment.objects.filter(request_id=pk, worker__user_id=user.pk).exists()
    ):
        # A second tap, or a form left open on a task that was closed meanwhile: say what became of it.
        return redirect("assistance:field_task", pk=pk)
    help_request, task = _load(user, pk)
    form: forms.Form
    if form_name == "done_form":
        form = DoneForm(request.POST, request.FILES, handles_money=task.handles_money)
    elif form_name == "failed_form":
        form = FailedForm(request.POST)
    else:
        form = StartForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, 400, bound=(form_name, form))
    data = form.cleaned_data
    if to == Status.IN_PROGRESS and task.planned_later and not data.get("confirmed"):
        return _render_task(request, task, confirm_start=True)
    money: Decimal | None = data.get("money_spent")
    try:
        services.transition(
            help_request=help_request,
            to=to,
            actor=Actor.from_request(request),
            version=data["version"],
            # Could not be done: why (required); done: the worker's note, if any (kept as the move's reason).
            reason=data.get("reason") or data.get("note") or "",
            money_spent=money,
            receipt=data.get("receipt"),
        )
    except ConcurrentEditError:
        messages.error(
            request,
            _("Someone else changed this task while you had it open. Check what it says now and try again."),
        )
        return redirect("assistance:field_task", pk=pk) if own_tasks(user).filter(pk=pk).exists() else _to_list()
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _render_task(request, task, 400, bound=(form_name, form))
    if to == Status.IN_PROGRESS:
        messages.success(request, _("Started. When you have finished, press “Mark the task as done”."))
        return redirect("assistance:field_task", pk=pk)
    if to == Status.DONE:
        messages.success(request, _("Task done. Thank you!"))
    else:
        messages.success(request, _("Recorded that the task could not be done. The dispatcher will see why."))
    return _to_list()


def _to_list() -> HttpResponse:
    return redirect("assistance:field_tasks")


@require_POST
def field_task_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "start_form", Status.IN_PROGRESS)


@require_POST
def field_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "done_form", Status.DONE)


@require_POST
def field_task_failed(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "failed_form", Status.FAILED)
