"""The field worker's phone pages: my tasks, and one task with Start / Done / Could not be done.

A social worker or volunteer sees only the requests they hold a live assignment on, and of the citizen
only what the visit needs: name, address and phone. Someone else's task answers 404, so that its
existence is not revealed.
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
from assistance.models import HelpRequest, Status
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import format_phone
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


def field_tasks(request: HttpRequest) -> HttpResponse:
    """Today's tasks (including late ones) and the upcoming ones."""
    user = _require_field_worker(request)
    tasks = [_task(r) for r in own_tasks(user)]
    today = timezone.localdate()
    for task in tasks:
        _record_view(request, user, task, "field_tasks")
    return render(
        request,
        "assistance/field/tasks.html",
        {
            "today": [t for t in tasks if timezone.localdate(t.when) <= today],
            "upcoming": [t for t in tasks if timezone.localdate(t.when) > today],
        },
    )


def _render_task(request: HttpRequest, task: FieldTask, status: int = 200, **forms_by_name: forms.Form) -> HttpResponse:
    initial = {"version": task.version}
    context: dict[str, Any] = {
        "task": task,
        "start_form": StartForm(initial=initial),
        "done_form": DoneForm(initial=initial, handles_money=task.handles_money),
        "failed_form": FailedForm(initial=initial),
        "open_form": "",
    }
    for name, form in forms_by_name.items():
        context[name] = form
        context["open_form"] = name
    return render(request, "assistance/field/task.html", context, status=status)


def field_task(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_field_worker(request)
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
    help_request, task = _load(user, pk)
    form: forms.Form
    if form_name == "done_form":
        form = DoneForm(request.POST, request.FILES, handles_money=task.handles_money)
    elif form_name == "failed_form":
        form = FailedForm(request.POST)
    else:
        form = StartForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, 400, **{form_name: form})
    data = form.cleaned_data
    money: Decimal | None = data.get("money_spent")
    try:
        services.transition(
            help_request=help_request,
            to=to,
            actor=Actor.from_request(request),
            version=data["version"],
            reason=data.get("reason", ""),
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
        return _render_task(request, task, 400, **{form_name: form})
    if to == Status.IN_PROGRESS:
        messages.success(request, _("Started. When you have finished, press “Done”."))
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
