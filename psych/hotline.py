"""The hotlines of the psychological service (issue §4): the duty roster of each line, the call log and the
follow-ups calls leave behind.

An emergency call makes, in the same transaction, a follow-up due at once for the psychologist on duty on
the line at the time of the call (the one who took it when nobody is on the roster) and tells them through
the outbox — the line, the time and where to look, never the caller's name or what was said. An
elevated-risk call leaves the psychologist who took it a call-back due within 24 hours.

A safety plan is as confidential as a session note: encrypted at rest (``psych.crypto``), read only by the
psychologists of the line's service (``note_reader``, asked directly, so not even a superuser's blanket
permissions open it), and every read journaled. Everyone else sees that a plan exists.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.staff import address_of, psychologists_of
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import own_organisation_id, require
from core.services import save_versioned
from core.validators import MAX_ID, clean_text, try_normalise_phone
from notify import services as notify
from notify.models import Channel
from people.models import Person
from psych import crypto
from psych.models import DutyShift, FollowUp, HotlineCall, HotlineLine, ReportedTo, Topic
from psych.rules import citywide_supervisor, is_psychologist, note_reader, service_supervisor

MAX_SHIFT = datetime.timedelta(hours=24)
CALL_BACK_WITHIN = datetime.timedelta(hours=24)
ROSTER_HORIZON = datetime.timedelta(days=7)
# A call is logged during or soon after it: not in the future (a few minutes of clock skew allowed), and
# not more than a week back.
CALL_CLOCK_SKEW = datetime.timedelta(minutes=5)
CALL_LOGGED_WITHIN = datetime.timedelta(days=7)
MAX_CALL_MINUTES = 600
ACTION_LIMIT = 1000
LABEL_LIMIT = 200
RESULT_LIMIT = 500
PLAN_LIMIT = 4000
REFERENCE_LIMIT = 100
NOTIFICATION_LANGUAGE = "ru"

Risk = HotlineCall.Risk
CallerKind = HotlineCall.CallerKind


def person_name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _text(value: str, field: str, limit: int, *, required: bool = True, multiline: bool = False) -> str:
    try:
        text = clean_text(value or "", multiline=multiline).strip()
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    if not multiline:
        text = " ".join(text.split())
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text


# --- selectors: lines, the roster ---------------------------------------------------------------------


def visible_lines(user: Any) -> QuerySet[HotlineLine]:
    """Lines the user may see: their service's (a psychologist, the service's supervisor), every line
    (a city supervisor); none for anyone else."""
    lines = HotlineLine.objects.select_related("organisation")
    if not user.has_perm("psych.view_hotline"):
        return lines.none()
    if service_supervisor.test(user) and citywide_supervisor.test(user):
        return lines
    own = own_organisation_id(user)
    return lines.filter(organisation_id=own) if own is not None else lines.none()


def get_visible_line(user: Any, pk: int, *, perm: str = "psych.view_hotline") -> HotlineLine:
    """Load a line: 403 for a role that never may, 404 for a missing line or another service's."""
    require(user, perm)
    line = HotlineLine.objects.select_related("organisation").filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if line is None or not user.has_perm(perm, line):
        raise Http404
    return line


def get_visible_shift(user: Any, pk: int) -> DutyShift:
    require(user, "psych.manage_roster")
    shift = (
        DutyShift.objects.select_related("line__organisation", "psychologist").filter(pk=pk).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if shift is None or not user.has_perm("psych.manage_roster", shift.line):
        raise Http404
    return shift


def shifts_between(line: HotlineLine, start: datetime.datetime, end: datetime.datetime) -> QuerySet[DutyShift]:
    return (
        DutyShift.objects.filter(line=line, starts_at__lt=end, ends_at__gt=start)
        .select_related("psychologist")
        .order_by("starts_at", "pk")
    )


def on_duty(line: HotlineLine, at: datetime.datetime) -> list[User]:
    """The psychologists on the roster of ``line`` at the moment ``at``, the earliest shift first."""
    shifts = DutyShift.objects.filter(
        line=line, starts_at__lte=at, ends_at__gt=at, psychologist__is_active=True
    ).select_related("psychologist")
    seen: dict[int, User] = {}
    for shift in shifts.order_by("starts_at", "pk"):
        seen.setdefault(shift.psychologist_id, shift.psychologist)
    return list(seen.values())


def opening_hours(
    line: HotlineLine, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The periods within [start, end) when ``line`` is open: all of it for a 24-hour line, else its daily
    hours in Moscow time (hours that close at or before they open run past midnight)."""
    if start >= end:
        return []
    if line.round_the_clock or line.opens is None or line.closes is None:
        return [(start, end)]
    zone = timezone.get_current_timezone()
    periods = []
    day = timezone.localtime(start, zone).date() - datetime.timedelta(days=1)
    last = timezone.localtime(end, zone).date()
    while day <= last:
        opens = timezone.make_aware(datetime.datetime.combine(day, line.opens), zone)
        closes_day = day if line.closes > line.opens else day + datetime.timedelta(days=1)
        closes = timezone.make_aware(datetime.datetime.combine(closes_day, line.closes), zone)
        lo, hi = max(opens, start), min(closes, end)
        if lo < hi:
            periods.append((lo, hi))
        day += datetime.timedelta(days=1)
    return periods


def roster_gaps(
    line: HotlineLine, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The periods within [start, end) when ``line`` is open and nobody is on duty, in time order."""
    covered = [(s.starts_at, s.ends_at) for s in shifts_between(line, start, end)]
    covered.sort()
    gaps = []
    for lo, hi in opening_hours(line, start, end):
        cursor = lo
        for s_from, s_to in covered:
            if s_to <= cursor or s_from >= hi:
                continue
            if s_from > cursor:
                gaps.append((cursor, s_from))
            cursor = max(cursor, s_to)
            if cursor >= hi:
                break
        if cursor < hi:
            gaps.append((cursor, hi))
    # Adjacent periods (a 24-hour line's days, hours across midnight) read as one gap.
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for gap in gaps:
        if merged and merged[-1][1] == gap[0]:
            merged[-1] = (merged[-1][0], gap[1])
        else:
            merged.append(gap)
    return merged


def upcoming_gaps(
    line: HotlineLine, now: datetime.datetime | None = None
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The gaps of the next 7 days: the warning of the hotline and roster pages."""
    now = now or timezone.now()
    return roster_gaps(line, now, now + ROSTER_HORIZON)


def roster_psychologists(line: HotlineLine) -> QuerySet[User]:
    """Who may be put on the line's roster: the active psychologists of its service."""
    return psychologists_of(line.organisation_id).order_by("last_name", "first_name", "pk")


# --- selectors: calls, follow-ups ------------------------------------------------------------------


def visible_calls(user: Any) -> QuerySet[HotlineCall]:
    """The ``psych.view_hotline`` rule as a query on calls."""
    calls = HotlineCall.objects.select_related("line", "taken_by", "topic", "person")
    lines = visible_lines(user)
    if not user.has_perm("psych.view_hotline"):
        return calls.none()
    return calls.filter(line__in=lines.values("pk"))


def get_visible_call(user: Any, pk: int, *, perm: str = "psych.view_hotline") -> HotlineCall:
    """Load a call: 403 for a role that never may, 404 for a missing call or another service's."""
    require(user, perm)
    call = (
        HotlineCall.objects.select_related("line__organisation", "taken_by", "topic", "person").filter(pk=pk).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if call is None or not user.has_perm(perm, call):
        raise Http404
    return call


def may_see_caller(user: Any, call: HotlineCall) -> bool:
    """The caller's name and phone and what was done: only the psychologists of the line's service."""
    return bool(note_reader.test(user, call))


def due_follow_ups(user: Any) -> QuerySet[FollowUp]:
    """The follow-ups given to ``user`` and not yet done, the earliest due first."""
    return (
        FollowUp.objects.filter(assigned_to=user, done_at__isnull=True)
        .select_related("call__line", "consultation")
        .order_by("due_at", "pk")
    )


def done_follow_ups(user: Any) -> QuerySet[FollowUp]:
    """The follow-ups ``user`` was given and that are done, the latest first."""
    return (
        FollowUp.objects.filter(assigned_to=user, done_at__isnull=False)
        .select_related("call__line")
        .order_by("-done_at", "-pk")
    )


def due_follow_ups_count(user: Any) -> int:
    """The menu's badge: follow-ups given to ``user`` that are due now or overdue."""
    if not user.is_authenticated or not is_psychologist.test(user):
        return 0
    return due_follow_ups(user).filter(due_at__lte=timezone.now()).count()


def get_visible_follow_up(user: Any, pk: int) -> FollowUp:
    require(user, "psych.do_follow_up")
    follow_up = (
        FollowUp.objects.select_related("call__line", "consultation").filter(pk=pk).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if follow_up is None or not user.has_perm("psych.do_follow_up", follow_up):
        raise Http404
    return follow_up


def calls_by_risk(
    service_ids: Iterable[int] | None, start: datetime.datetime, end: datetime.datetime
) -> dict[str, int]:
    """Calls in [start, end) per risk level, of the given services' lines (every line for None); every risk
    level is a key. The dashboard's figure."""
    calls = HotlineCall.objects.filter(at__gte=start, at__lt=end)
    if service_ids is not None:
        calls = calls.filter(line__organisation_id__in=list(service_ids))
    counts = dict.fromkeys(Risk.values, 0)
    for row in calls.order_by().values("risk").annotate(n=Count("pk")):
        counts[row["risk"]] = row["n"]
    return counts


# --- the roster ----------------------------------------------------------------------------------------


def add_shift(
    *, actor: Actor, line: HotlineLine, psychologist: User, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> DutyShift:
    """Put a psychologist of the line's service on its roster for [starts_at, ends_at)."""
    require(actor.user, "psych.manage_roster", line)
    if not roster_psychologists(line).filter(pk=psychologist.pk).exists():
        raise ValidationError({"psychologist": _("Choose a psychologist of the line's service.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The shift must end after it starts.")})
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationError({"ends_at": _("A shift lasts at most 24 hours.")})
    with transaction.atomic():
        # The line's row is the lock two roster editors queue on, so two overlapping shifts cannot both pass.
        HotlineLine.objects.select_for_update().filter(pk=line.pk).first()
        clash = DutyShift.objects.filter(
            line=line, psychologist=psychologist, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if clash is not None:
            local_from, local_to = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
            raise ValidationError(
                {
                    "starts_at": _("%(name)s is already on duty on this line %(start)s–%(end)s.")
                    % {
                        "name": person_name(psychologist),
                        "start": local_from.strftime("%d.%m %H:%M"),
                        "end": local_to.strftime("%d.%m %H:%M"),
                    }
                }
            )
        shift = DutyShift.objects.create(
            line=line, psychologist=psychologist, starts_at=starts_at, ends_at=ends_at, created_by=actor.user
        )
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=shift,
            fields=["line", "psychologist", "starts_at", "ends_at"],
            details={"line": line.pk, "psychologist": psychologist.pk},
        )
    return shift


def remove_shift(*, actor: Actor, shift: DutyShift) -> None:
    """Take a shift off the roster; a shift that has ended stays (it says who was on duty for past calls)."""
    require(actor.user, "psych.manage_roster", shift.line)
    if shift.ends_at <= timezone.now():
        raise ValidationError({"__all__": _("A shift that has ended stays in the roster.")})
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=Action.DELETE,
            obj=shift,
            details={"line": shift.line_id, "psychologist": shift.psychologist_id},
        )
        shift.delete()


# --- calls ---------------------------------------------------------------------------------------------


@dataclass
class CallInput:
    line: HotlineLine
    caller_kind: str
    risk: str
    action_taken: str
    topic: Topic | None = None
    person: Person | None = None
    caller_label: str = ""
    caller_phone: str = ""
    at: datetime.datetime | None = None
    duration_minutes: int | None = None
    handed_to: str = ""
    handover_reference: str = ""
    safety_plan: str = ""


@dataclass
class LoggedCall:
    call: HotlineCall
    follow_up: FollowUp | None


def check_call(actor: Actor, data: CallInput, now: datetime.datetime) -> dict[str, Any]:
    """Every problem of a call to log, per field (raised as one ValidationError); the cleaned values."""
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def attempt(field: str, check: Any) -> None:
        try:
            values[field] = check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.setdefault(name, []).extend(messages)

    if not data.line.is_active:
        problems.setdefault("line", []).append(_("This line is not in use."))
    if data.caller_kind not in CallerKind.values:
        problems.setdefault("caller_kind", []).append(_("Choose who called."))
    if data.risk not in Risk.values:
        problems.setdefault("risk", []).append(_("Choose the risk level."))
    if data.topic is None or not data.topic.is_active:
        problems.setdefault("topic", []).append(_("Choose what the call was about."))
    if data.caller_kind == CallerKind.CITIZEN:
        if data.person is None:
            problems.setdefault("person", []).append(
                _("Find the citizen who called, or choose another kind of caller.")
            )
        elif not actor.user.has_perm("people.search_person", data.person):
            problems.setdefault("person", []).append(_("No such citizen."))
    if data.caller_kind == CallerKind.ANONYMOUS and (data.person is not None or data.caller_label.strip()):
        problems.setdefault("caller_kind", []).append(_("An anonymous caller has no name or citizen."))
    attempt("action_taken", lambda: _text(data.action_taken, "action_taken", ACTION_LIMIT, multiline=True))
    attempt("caller_label", lambda: _text(data.caller_label, "caller_label", LABEL_LIMIT, required=False))
    if data.caller_kind == CallerKind.RELATIVE and not values.get("caller_label") and "caller_label" not in problems:
        problems.setdefault("caller_label", []).append(_("Say how the relative introduced themselves."))
    phone = ""
    if data.caller_phone.strip():
        phone = try_normalise_phone(data.caller_phone) or ""
        if not phone:
            problems.setdefault("caller_phone", []).append(_("Enter a phone number, for example 8 916 123-45-67."))
    values["caller_phone"] = phone
    at = data.at or now
    if at > now + CALL_CLOCK_SKEW:
        problems.setdefault("at", []).append(_("The call cannot be in the future."))
    elif at < now - CALL_LOGGED_WITHIN:
        problems.setdefault("at", []).append(_("A call is logged within a week of it."))
    values["at"] = at
    if data.duration_minutes is not None and not 0 < data.duration_minutes <= MAX_CALL_MINUTES:
        problems.setdefault("duration_minutes", []).append(_("Between 1 and %(n)d minutes.") % {"n": MAX_CALL_MINUTES})
    attempt(
        "handover_reference",
        lambda: _text(data.handover_reference, "handover_reference", REFERENCE_LIMIT, required=False),
    )
    if data.handed_to and data.handed_to not in ReportedTo.values:
        problems.setdefault("handed_to", []).append(_("Choose whom the call was handed over to."))
    elif data.handed_to and data.risk != Risk.EMERGENCY:
        problems.setdefault("handed_to", []).append(_("A hand-over to emergency services is for an emergency call."))
    if values.get("handover_reference") and not data.handed_to:
        problems.setdefault("handed_to", []).append(_("Say whom the reference number is from."))
    attempt("safety_plan", lambda: _text(data.safety_plan, "safety_plan", PLAN_LIMIT, required=False, multiline=True))
    if problems:
        raise ValidationError(problems)
    return values


def _notify_emergency(follow_up: FollowUp, call: HotlineCall) -> None:
    """Tell the assignee of an emergency follow-up: the line, the time and the page, nothing of the caller."""
    with translation.override(NOTIFICATION_LANGUAGE):
        subject = _("Emergency call: %(line)s") % {"line": call.line.name}
        body = _(
            "Emergency call on the line «%(line)s» at %(time)s: the follow-up is yours, due now. Opora: %(path)s"
        ) % {
            "line": call.line.name,
            "time": timezone.localtime(call.at).strftime("%d.%m.%Y %H:%M"),
            "path": reverse("psych:follow_ups"),
        }
    channel, recipient = address_of(follow_up.assigned_to)
    notify.send(
        channel=channel,
        recipient=recipient,
        subject=subject if channel == Channel.EMAIL else "",
        body=body,
        related=follow_up,
        dedup_key=f"hotline-follow-up:{follow_up.pk}",
    )


def emergency_assignee(line: HotlineLine, at: datetime.datetime, taken_by: User) -> User:
    """Who follows an emergency call up: the psychologist who took it if on duty, else the first one on
    duty on the line at that moment, else the one who took it."""
    duty = on_duty(line, at)
    if any(user.pk == taken_by.pk for user in duty):
        return taken_by
    return duty[0] if duty else taken_by


def log_call(*, actor: Actor, data: CallInput) -> LoggedCall:
    """A psychologist of the line's service logs a call; an emergency leaves a follow-up due now for the
    psychologist on duty (told through the outbox), an elevated risk a call-back within 24 hours."""
    require(actor.user, "psych.log_call", data.line)
    now = timezone.now()
    values = check_call(actor, data, now)
    plan = values["safety_plan"]
    with transaction.atomic():
        call = HotlineCall.objects.create(
            line=data.line,
            taken_by=actor.user,
            at=values["at"],
            duration_minutes=data.duration_minutes,
            caller_kind=data.caller_kind,
            person=data.person if data.caller_kind != CallerKind.ANONYMOUS else None,
            caller_label=values["caller_label"],
            caller_phone=values["caller_phone"],
            topic=data.topic,
            risk=data.risk,
            action_taken=values["action_taken"],
            handed_to=data.handed_to,
            handover_reference=values["handover_reference"],
            safety_plan=crypto.encrypt(plan) if plan else "",
        )
        follow_up = None
        if call.risk == Risk.EMERGENCY:
            assignee = emergency_assignee(call.line, call.at, actor.user)
            follow_up = FollowUp.objects.create(
                call=call, kind=FollowUp.Kind.EMERGENCY, assigned_to=assignee, due_at=now
            )
            _notify_emergency(follow_up, call)
        elif call.risk == Risk.ELEVATED:
            follow_up = FollowUp.objects.create(
                call=call, kind=FollowUp.Kind.CALL_BACK, assigned_to=actor.user, due_at=now + CALL_BACK_WITHIN
            )
        fields = [
            name
            for name in ("person", "caller_label", "caller_phone", "handed_to", "handover_reference", "safety_plan")
            if getattr(call, name)
        ]
        details: dict[str, Any] = {"line": call.line_id, "risk": call.risk, "caller_kind": call.caller_kind}
        if follow_up is not None:
            details.update(follow_up=follow_up.pk, assigned_to=follow_up.assigned_to_id)
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=call,
            person_id=call.person_id,
            fields=["line", "at", "caller_kind", "topic", "risk", "action_taken", *fields],
            details=details,
        )
    return LoggedCall(call=call, follow_up=follow_up)


def record_handover(
    *, actor: Actor, call: HotlineCall, handed_to: str, reference: str, expected_version: int
) -> HotlineCall:
    """Record (or correct) to whom an emergency call was handed over and their reference number."""
    require(actor.user, "psych.log_call", call)
    if call.risk != Risk.EMERGENCY:
        raise ValidationError({"handed_to": _("A hand-over to emergency services is for an emergency call.")})
    if handed_to not in ReportedTo.values:
        raise ValidationError({"handed_to": _("Choose whom the call was handed over to.")})
    call.handed_to = handed_to
    call.handover_reference = _text(reference, "handover_reference", REFERENCE_LIMIT, required=False)
    with transaction.atomic():
        save_versioned(call, expected_version=expected_version, fields=["handed_to", "handover_reference"])
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=call,
            person_id=call.person_id,
            fields=["handed_to", "handover_reference"],
            details={"handed_to": handed_to},
        )
    return call


def record_safety_plan(*, actor: Actor, call: HotlineCall, text: str, expected_version: int) -> HotlineCall:
    """Record (or replace) the call's safety plan, encrypted; only the line's service's psychologists."""
    require(actor.user, "psych.log_call", call)
    plan = _text(text, "safety_plan", PLAN_LIMIT, multiline=True)
    call.safety_plan = crypto.encrypt(plan)
    with transaction.atomic():
        save_versioned(call, expected_version=expected_version, fields=["safety_plan"])
        audit.record(actor=actor, action=Action.CHANGE, obj=call, person_id=call.person_id, fields=["safety_plan"])
    return call


def read_safety_plan(*, actor: Actor, call: HotlineCall) -> str:
    """The safety plan's text for a psychologist of the line's service; every read is journaled."""
    if not note_reader.test(actor.user, call):
        raise Http404
    if not call.safety_plan:
        return ""
    text = crypto.decrypt(call.safety_plan)
    audit.record(
        actor=actor,
        action=Action.VIEW,
        obj=call,
        person_id=call.person_id,
        fields=["safety_plan"],
        details={"section": "safety_plan"},
    )
    return text


def record_call_view(actor: Actor, call: HotlineCall, section: str) -> None:
    audit.record(actor=actor, action=Action.VIEW, obj=call, person_id=call.person_id, details={"section": section})


# --- follow-ups ----------------------------------------------------------------------------------------


def complete_follow_up(*, actor: Actor, follow_up: FollowUp, result: str, expected_version: int) -> FollowUp:
    """Mark a follow-up done with what came of it (a psychologist of the service: its assignee, or a
    colleague standing in)."""
    require(actor.user, "psych.do_follow_up", follow_up)
    if follow_up.done_at is not None:
        raise ValidationError({"__all__": _("This follow-up is already done.")})
    follow_up.result = _text(result, "result", RESULT_LIMIT)
    follow_up.done_at = timezone.now()
    with transaction.atomic():
        save_versioned(follow_up, expected_version=expected_version, fields=["result", "done_at"])
        source = follow_up.call or follow_up.consultation
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=follow_up,
            person_id=getattr(source, "person_id", None),
            fields=["done_at", "result"],
            details={"kind": follow_up.kind, "call": follow_up.call_id, "consultation": follow_up.consultation_id},
        )
    return follow_up


def overdue(follow_up: FollowUp, now: datetime.datetime | None = None) -> bool:
    return follow_up.done_at is None and follow_up.due_at < (now or timezone.now())
