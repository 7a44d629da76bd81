"""Pages of support groups: the list, creating and changing a group, the group with its sessions,
members and waiting list, adding a member found by the search, and marking a session's attendance."""

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import services as audit
from audit.models import Action
from cases.feedback import report
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import own_organisation_id, require
from core.validators import bounded_int
from people import selectors as people_selectors
from people import services as people_services
from people.selectors import get_visible_person
from psych import groups
from psych.forms_groups import AddMemberForm, ChangeGroupForm, GroupForm, group_initial
from psych.models import Attendance, GroupMember, GroupSession, SupportGroup


def _add_errors(form: Any, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def _record_members_view(request: HttpRequest, group: SupportGroup, members: list[GroupMember], section: str) -> None:
    """Names of members shown to the service's psychologist: one journal entry per citizen shown."""
    actor = Actor.from_request(request)
    for person_id in sorted({m.person_id for m in members}):
        audit.record(actor=actor, action=Action.VIEW, obj=group, person_id=person_id, details={"section": section})


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    """The groups of the user's service (every service's for a city supervisor), running first."""
    require(request.user, "psych.view_group")
    found = groups.with_counts(groups.visible_groups(request.user)).order_by("-is_active", "topic", "pk")
    rows = list(found[:500])
    now = timezone.now()
    upcoming = {
        s.group_id: s
        for s in GroupSession.objects.filter(
            group__in=[g.pk for g in rows], cancelled=False, starts_at__gte=now
        ).order_by("-starts_at")
    }
    for group in rows:
        group.next_session = upcoming.get(group.pk)  # type: ignore[attr-defined]
    context = {"groups": rows, "may_create": request.user.has_perm("psych.manage_group")}
    return render(request, "psych/groups/list.html", context)


def group_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "psych.manage_group")
    service_id = own_organisation_id(request.user)
    initial = {"facilitator": request.user.pk, "first_on": timezone.localdate(), "place": service_id}
    form = GroupForm(request.POST or None, service_id=service_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.create_group(actor=Actor.from_request(request), details=form.details())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Group “%(topic)s” created with %(n)d sessions. Now add its members.")
                % {"topic": group.topic, "n": group.sessions_planned},
            )
            return redirect("psych:group_detail", group.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "psych/groups/form.html", {"form": form, "group": None}, status=status)


def group_change(request: HttpRequest, pk: int) -> HttpResponse:
    group = groups.get_visible_group(request.user, pk, perm="psych.manage_group")
    form = ChangeGroupForm(request.POST or None, service_id=group.organisation_id, initial=group_initial(group))
    if request.method == "POST" and form.is_valid():
        try:
            _group, promoted = groups.change_group(
                actor=Actor.from_request(request),
                group=group,
                details=form.details(),
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error.message))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The group is saved."))
            for member in promoted:
                messages.info(request, _moved_up(member))
            return redirect("psych:group_detail", group.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "psych/groups/form.html", {"form": form, "group": group}, status=status)


def _moved_up(member: GroupMember) -> str:
    return _("%(name)s moved up from the waiting list into the group: tell them.") % {
        "name": groups.participant_name(member)
    }


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = groups.get_visible_group(request.user, pk)
    may_manage = request.user.has_perm("psych.manage_group", group)
    today = timezone.localdate()
    sessions = list(group.sessions.order_by("starts_at", "number"))
    present = dict(
        Attendance.objects.filter(session__group=group, present=True)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    for session in sessions:
        session.present = present.get(session.pk, 0)  # type: ignore[attr-defined]
        session.may_mark = (  # type: ignore[attr-defined]
            may_manage and not session.cancelled and timezone.localdate(session.starts_at) <= today
        )
        session.may_cancel = may_manage and not session.cancelled and not session.held  # type: ignore[attr-defined]
    members = list(group.members.filter(status=groups.HOLDING).select_related("person", "relative", "added_by"))
    waiting = groups.waiting_list(group)
    context: dict[str, Any] = {
        "group": group,
        "sessions": sessions,
        "members_count": len(members),
        "waiting_count": len(waiting),
        "free": max(group.capacity - len(members), 0),
        "may_manage": may_manage,
        "q": "",
        "searched": False,
    }
    if may_manage:
        for member in [*members, *waiting]:
            member.label = groups.participant_name(member)  # type: ignore[attr-defined]
        context.update(members=members, waiting_list=waiting)
        _record_members_view(request, group, [*members, *waiting], "group_members")
        raw = request.GET.get("q", "").strip()[:200]
        if raw:
            query = people_selectors.parse_query(raw)
            results = people_selectors.find_people(request.user, query, limit=20) if not query.is_empty else []
            if not query.is_empty:
                people_services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results)
            context.update(q=raw, results=results, searched=True, unparsed=query.is_empty)
    return render(request, "psych/groups/detail.html", context)


def group_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm who joins (the patient or a relative of theirs) and add them: a place or the waiting list."""
    group = groups.get_visible_group(request.user, pk, perm="psych.manage_group")
    person_pk = bounded_int(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    if not person_pk:
        messages.error(request, _("Find the patient first."))
        return redirect("psych:group_detail", pk)
    person = get_visible_person(request.user, person_pk, perm="people.search_person")
    form = AddMemberForm(request.POST or None, person=person, group=group, initial={"person": person.pk})
    if request.method == "POST" and form.is_valid():
        try:
            joined = groups.add_member(
                actor=Actor.from_request(request),
                group=group,
                person=person,
                relative=form.cleaned_data.get("relative"),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            name = groups.participant_name(joined.member)
            if joined.has_place:
                messages.success(
                    request,
                    _("%(name)s is in the group. Places taken: %(n)d of %(capacity)d.")
                    % {"name": name, "n": groups.members_count(group), "capacity": group.capacity},
                )
            else:
                messages.warning(
                    request,
                    _("The group is full: %(name)s is on the waiting list, number %(position)d.")
                    % {"name": name, "position": joined.position},
                )
            return redirect("psych:group_detail", pk)
    if "relative" in form.fields and request.method == "GET":
        audit.record(
            actor=Actor.from_request(request),
            action=Action.VIEW,
            obj=person,
            person_id=person.pk,
            fields=["contacts"],
            details={"section": "group_member_relatives", "group": group.pk},
        )
    taken = groups.members_count(group)
    context = {
        "group": group,
        "person": person,
        "form": form,
        "free": max(group.capacity - taken, 0),
        "waiting_count": group.members.filter(status=groups.WAITING).count(),
    }
    return render(request, "psych/groups/add_member.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def group_remove_member(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    group = groups.get_visible_group(request.user, pk, perm="psych.manage_group")
    member = groups.get_member(group, member_pk)
    was_waiting = member.status == groups.WAITING
    try:
        promoted = groups.remove_member(actor=Actor.from_request(request), member=member)
    except ValidationError as error:
        report(request, error)
    else:
        name = groups.participant_name(member)
        if was_waiting:
            messages.success(request, _("%(name)s is off the waiting list.") % {"name": name})
        else:
            messages.success(request, _("%(name)s has left the group.") % {"name": name})
        if promoted is not None:
            messages.info(request, _moved_up(promoted))
    return redirect("psych:group_detail", pk)


def session_attendance(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """Who came to a session: present or absent for each member at the time; marking again changes it."""
    group = groups.get_visible_group(request.user, pk, perm="psych.manage_group")
    session = groups.get_session(group, session_pk)
    members = groups.markable_members(session)
    if request.method == "POST":
        marks: dict[int, bool] = {}
        for member in members:
            value = request.POST.get(f"mark-{member.pk}")
            if value in ("present", "absent"):
                marks[member.pk] = value == "present"
        try:
            groups.mark_attendance(actor=Actor.from_request(request), session=session, marks=marks)
        except ValidationError as error:
            report(request, error)
        else:
            came = sum(1 for present in marks.values() if present)
            messages.success(
                request,
                _("Attendance of session %(n)d is saved: %(came)d came, %(absent)d did not.")
                % {"n": session.number, "came": came, "absent": len(marks) - came},
            )
            return redirect("psych:group_detail", pk)
    marked = dict(Attendance.objects.filter(session=session).values_list("member_id", "present"))
    for member in members:
        member.label = groups.participant_name(member)  # type: ignore[attr-defined]
        member.mark = {True: "present", False: "absent"}.get(marked.get(member.pk))  # type: ignore[arg-type,attr-defined]
    _record_members_view(request, group, members, "session_attendance")
    context = {
        "group": group,
        "session": session,
        "members": members,
        "may_mark": not session.cancelled and timezone.localdate(session.starts_at) <= timezone.localdate(),
    }
    return render(request, "psych/groups/attendance.html", context)


@require_POST
def session_cancel(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    group = groups.get_visible_group(request.user, pk, perm="psych.manage_group")
    session = groups.get_session(group, session_pk)
    try:
        groups.cancel_session(actor=Actor.from_request(request), session=session)
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Session %(n)d on %(day)s is cancelled. Tell the members.")
            % {"n": session.number, "day": timezone.localtime(session.starts_at).strftime("%d.%m.%Y %H:%M")},
        )
    return redirect("psych:group_detail", pk)
