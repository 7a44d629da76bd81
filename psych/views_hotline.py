"""Pages of the hotlines: the lines with who is on duty, each line's week roster, the call log, logging a
call, a call's page, and the psychologist's follow-ups."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.feedback import report, report_form
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import MAX_ID
from people import selectors as people_selectors
from people import services as people_services
from people.models import Person
from psych import hotline
from psych.forms_hotline import CallForm, FollowUpDoneForm, HandoverForm, SafetyPlanForm, ShiftForm
from psych.models import FollowUp, HotlineCall, HotlineLine

WEEK = 7
LOG_LIMIT = 200
# The call form in the order of a call: who and when, what it was about, what was done after it.
CALL_FORM_GROUPS = [
    (
        gettext_lazy("Line and caller"),
        ["line", "at", "duration_minutes", "caller_kind", "caller_label", "caller_phone"],
    ),
    (gettext_lazy("Topic and risk"), ["topic", "risk", "action_taken"]),
    (gettext_lazy("Emergency and safety"), ["handed_to", "handover_reference", "safety_plan"]),
]


def _gaps(line: HotlineLine, now: datetime.datetime) -> list[dict[str, Any]]:
    return [{"start": start, "end": end} for start, end in hotline.upcoming_gaps(line, now)]


@require_GET
def lines(request: HttpRequest) -> HttpResponse:
    """The lines of the user's service: phone, hours, who is on duty now, gaps in the next 7 days."""
    require(request.user, "psych.view_hotline")
    now = timezone.now()
    rows = []
    for line in hotline.visible_lines(request.user).filter(is_active=True):
        rows.append({"line": line, "on_duty": hotline.on_duty(line, now), "gaps": _gaps(line, now)})
    context = {
        "rows": rows,
        "may_log": request.user.has_perm("psych.log_call"),
        "may_follow_up": request.user.has_perm("psych.do_follow_up"),
        "follow_ups_due": hotline.due_follow_ups_count(request.user),
    }
    return render(request, "psych/hotline/lines.html", context)


def _week_start(raw: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        day = None
    if day is None or not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 1, 1):
        day = timezone.localdate()
    return day


def _roster_context(request: HttpRequest, line: HotlineLine, start_day: datetime.date) -> dict[str, Any]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(start_day, datetime.time.min), zone)
    end = timezone.make_aware(
        datetime.datetime.combine(start_day + datetime.timedelta(days=WEEK), datetime.time.min), zone
    )
    now = timezone.now()
    shifts = list(hotline.shifts_between(line, start, end))
    for shift in shifts:
        shift.may_remove = shift.ends_at > now  # type: ignore[attr-defined]
    days = []
    for offset in range(WEEK):
        day = start_day + datetime.timedelta(days=offset)
        day_start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone)
        day_end = day_start + datetime.timedelta(days=1)
        # Only what is still ahead can be covered: the hours of the day that have passed are not a gap.
        ahead = max(day_start, now)
        gaps = [
            {"start": a, "end": b, "whole_day": a == day_start and b == day_end, "to_midnight": b == day_end}
            for a, b in hotline.roster_gaps(line, ahead, day_end)
        ]
        days.append(
            {
                "date": day,
                "shifts": [s for s in shifts if s.starts_at < day_end and s.ends_at > day_start],
                "gaps": gaps,
                "is_past": day_end <= now,
                "is_today": day == timezone.localdate(),
            }
        )
    may_manage = request.user.has_perm("psych.manage_roster", line)
    return {
        "line": line,
        "days": days,
        "gaps": _gaps(line, now),
        "on_duty": hotline.on_duty(line, now),
        "may_manage": may_manage,
        "previous_week": start_day - datetime.timedelta(days=WEEK),
        "next_week": start_day + datetime.timedelta(days=WEEK),
        "start_day": start_day,
        "end_day": start_day + datetime.timedelta(days=WEEK - 1),
    }


@require_GET
def line_roster(request: HttpRequest, pk: int) -> HttpResponse:
    line = hotline.get_visible_line(request.user, pk)
    context = _roster_context(request, line, _week_start(request.GET.get("from", "")))
    if context["may_manage"]:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
        context["shift_form"] = ShiftForm(
            psychologists=hotline.roster_psychologists(line),
            initial={"starts_at": start, "ends_at": start + datetime.timedelta(hours=12)},
        )
    return render(request, "psych/hotline/roster.html", context)


@require_POST
def shift_add(request: HttpRequest, pk: int) -> HttpResponse:
    line = hotline.get_visible_line(request.user, pk, perm="psych.manage_roster")
    form = ShiftForm(request.POST, psychologists=hotline.roster_psychologists(line))
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:line_roster", line.pk)
    data = form.cleaned_data
    try:
        shift = hotline.add_shift(
            actor=Actor.from_request(request),
            line=line,
            psychologist=data["psychologist"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )
    except ValidationError as error:
        report(request, error)
        return redirect("psych:line_roster", line.pk)
    local = timezone.localtime(shift.starts_at)
    messages.success(
        request,
        _("%(name)s is on duty from %(start)s to %(end)s.")
        % {
            "name": hotline.person_name(shift.psychologist),
            "start": local.strftime("%d.%m %H:%M"),
            "end": timezone.localtime(shift.ends_at).strftime("%d.%m %H:%M"),
        },
    )
    return redirect(f"{_roster_url(line)}?from={local.date().isoformat()}")


def _roster_url(line: HotlineLine) -> str:
    return reverse("psych:line_roster", args=[line.pk])


@require_POST
def shift_remove(request: HttpRequest, pk: int) -> HttpResponse:
    shift = hotline.get_visible_shift(request.user, pk)
    line = shift.line
    try:
        hotline.remove_shift(actor=Actor.from_request(request), shift=shift)
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("The shift of %(name)s is taken off the roster.") % {"name": hotline.person_name(shift.psychologist)},
        )
    return redirect("psych:line_roster", line.pk)


# --- calls ---------------------------------------------------------------------------------------------


def _decorate(call: HotlineCall, user: Any) -> HotlineCall:
    call.show_caller = hotline.may_see_caller(user, call)  # type: ignore[attr-defined]
    return call


@require_GET
def call_log(request: HttpRequest) -> HttpResponse:
    """The calls of the user's service (every service for a city supervisor), newest first."""
    require(request.user, "psych.view_hotline")
    calls = hotline.visible_calls(request.user)
    visible = hotline.visible_lines(request.user)
    line_id = request.GET.get("line", "")
    risk = request.GET.get("risk", "")
    if line_id.isdigit() and 0 < int(line_id) <= MAX_ID:
        calls = calls.filter(line_id=int(line_id))
    if risk in HotlineCall.Risk.values:
        calls = calls.filter(risk=risk)
    rows = [_decorate(call, request.user) for call in calls.order_by("-at", "-pk")[:LOG_LIMIT]]
    context = {
        "calls": rows,
        "lines": visible,
        "risks": HotlineCall.Risk.choices,
        "line_id": line_id,
        "risk": risk,
        "may_log": request.user.has_perm("psych.log_call"),
        "limit": LOG_LIMIT,
    }
    return render(request, "psych/hotline/calls.html", context)


def _chosen_person(request: HttpRequest, raw: Any) -> Person | None:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    person = Person.objects.select_related("district").filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if person is None or not request.user.has_perm("people.search_person", person):
        return None
    return person


def call_new(request: HttpRequest) -> HttpResponse:
    """Log a call: first find the citizen who called (if known), then the call itself."""
    require(request.user, "psych.log_call")
    lines = hotline.visible_lines(request.user).filter(is_active=True)
    source = request.POST if request.method == "POST" else request.GET
    person = _chosen_person(request, source.get("person"))
    raw = request.GET.get("q", "").strip()[:200]
    query = people_selectors.parse_query(raw)
    results: list[people_selectors.FoundPerson] = []
    if request.method == "GET" and not query.is_empty:
        results = people_selectors.find_people(request.user, query, limit=20)
        people_services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results)
    initial: dict[str, Any] = {"at": timezone.localtime().replace(second=0, microsecond=0), "risk": "routine"}
    if person is not None:
        initial.update(person=person.pk, caller_kind=HotlineCall.CallerKind.CITIZEN)
    else:
        initial["caller_kind"] = HotlineCall.CallerKind.ANONYMOUS
    line_param = request.GET.get("line", "")[:20]
    if line_param.isdigit():
        initial["line"] = int(line_param)
    elif lines.count() == 1:
        initial["line"] = lines.first()
    form = CallForm(request.POST if request.method == "POST" else None, lines=lines, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            logged = hotline.log_call(
                actor=Actor.from_request(request),
                data=hotline.CallInput(
                    line=data["line"],
                    caller_kind=data["caller_kind"],
                    risk=data["risk"],
                    action_taken=data["action_taken"],
                    topic=data["topic"],
                    person=person if data["caller_kind"] != HotlineCall.CallerKind.ANONYMOUS else None,
                    caller_label=data["caller_label"],
                    caller_phone=data["caller_phone"],
                    at=data["at"],
                    duration_minutes=data["duration_minutes"],
                    handed_to=data["handed_to"],
                    handover_reference=data["handover_reference"],
                    safety_plan=data["safety_plan"],
                ),
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields and name != "person" else None, problem)
        else:
            _tell_logged(request, logged)
            return redirect("psych:call_detail", logged.call.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "groups": [(title, [form[name] for name in names]) for title, names in CALL_FORM_GROUPS],
        "person": person,
        "q": raw,
        "results": results,
        "searched": not query.is_empty,
        "unparsed": bool(raw) and query.is_empty,
        "has_lines": lines.exists(),
        "line_param": line_param if line_param.isdigit() else "",
    }
    return render(request, "psych/hotline/call_new.html", context, status=status)


def _tell_logged(request: HttpRequest, logged: hotline.LoggedCall) -> None:
    follow_up = logged.follow_up
    if follow_up is None:
        messages.success(request, _("The call is logged."))
    elif follow_up.kind == FollowUp.Kind.EMERGENCY:
        messages.warning(
            request,
            _("The call is logged. Emergency follow-up given to %(name)s, due now; they are told.")
            % {"name": hotline.person_name(follow_up.assigned_to)},
        )
    else:
        messages.success(
            request,
            _("The call is logged. Call the caller back by %(time)s: it is on your follow-ups.")
            % {"time": timezone.localtime(follow_up.due_at).strftime("%d.%m %H:%M")},
        )


@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = hotline.get_visible_call(request.user, pk)
    actor = Actor.from_request(request)
    hotline.record_call_view(actor, call, "hotline_call")
    _decorate(call, request.user)
    may_change = request.user.has_perm("psych.log_call", call)
    plan = None
    if request.GET.get("plan") == "1" and call.safety_plan and hotline.may_see_caller(request.user, call):
        plan = hotline.read_safety_plan(actor=actor, call=call)
    call_follow_ups = list(call.follow_ups.select_related("assigned_to").order_by("due_at", "pk"))
    context = {
        "call": call,
        "follow_ups": call_follow_ups,
        "mine_open": any(f.assigned_to_id == request.user.pk and f.done_at is None for f in call_follow_ups),
        "plan": plan,
        "may_read_plan": hotline.may_see_caller(request.user, call),
        "may_change": may_change,
        "handover_form": HandoverForm(
            initial={
                "version": call.version,
                "handed_to": call.handed_to,
                "handover_reference": call.handover_reference,
            }
        ),
        "plan_form": SafetyPlanForm(initial={"version": call.version}),
    }
    return render(request, "psych/hotline/call_detail.html", context)


@require_POST
def call_handover(request: HttpRequest, pk: int) -> HttpResponse:
    call = hotline.get_visible_call(request.user, pk, perm="psych.log_call")
    form = HandoverForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:call_detail", call.pk)
    try:
        hotline.record_handover(
            actor=Actor.from_request(request),
            call=call,
            handed_to=form.cleaned_data["handed_to"],
            reference=form.cleaned_data["handover_reference"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The hand-over is recorded."))
    return redirect("psych:call_detail", call.pk)


@require_POST
def call_safety_plan(request: HttpRequest, pk: int) -> HttpResponse:
    call = hotline.get_visible_call(request.user, pk, perm="psych.log_call")
    form = SafetyPlanForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:call_detail", call.pk)
    try:
        hotline.record_safety_plan(
            actor=Actor.from_request(request),
            call=call,
            text=form.cleaned_data["safety_plan"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The safety plan is recorded."))
    return redirect("psych:call_detail", call.pk)


# --- follow-ups ----------------------------------------------------------------------------------------


@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    """The follow-ups given to me and not yet done, the earliest due first; overdue ones marked."""
    require(request.user, "psych.do_follow_up")
    now = timezone.now()
    rows = list(hotline.due_follow_ups(request.user))
    for row in rows:
        row.is_overdue = hotline.overdue(row, now)  # type: ignore[attr-defined]
        row.is_due = row.due_at <= now  # type: ignore[attr-defined]
        row.form = FollowUpDoneForm(initial={"version": row.version}, prefix=f"f{row.pk}")  # type: ignore[attr-defined]
    done = hotline.done_follow_ups(request.user)[:20]
    return render(request, "psych/hotline/follow_ups.html", {"follow_ups": rows, "done": done})


@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = hotline.get_visible_follow_up(request.user, pk)
    form = FollowUpDoneForm(request.POST, prefix=f"f{pk}")
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:follow_ups")
    try:
        hotline.complete_follow_up(
            actor=Actor.from_request(request),
            follow_up=follow_up,
            result=form.cleaned_data["result"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The follow-up is done."))
    return redirect("psych:follow_ups")
