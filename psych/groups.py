"""Support groups of the psychological service: a topic, a facilitator, a place or an online link, a
weekly schedule of sessions, a number of places, members (patients, or a patient's relative), the
attendance of each session and a waiting list when the group is full.

Services (each checks ``psych.manage_group``, validates, writes and journals in one transaction):
``create_group``, ``change_group``, ``cancel_session``, ``add_member``, ``remove_member``,
``mark_attendance``. Selectors: ``visible_groups``, ``get_visible_group`` (load and authorise),
``get_session``, ``get_member``, ``waiting_position``, and the figures ``sessions_held`` and
``participants`` for the dashboard.

Places: a group has ``capacity`` places; members with status ``member`` hold them. Whoever is added to a
full group goes to the waiting list in the order of joining; when a member leaves (or places are added)
the first on the list moves up, and the journal says so. Adding someone to a group is what makes them
the facilitator's client (``psych.relations``): the card then opens for them.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.staff import psychologists_of
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import is_supervisor, own_organisation_id, require
from core.services import save_versioned
from core.validators import MAX_ID, clean_text
from directory.models import Organisation
from people.models import ContactPerson, Person
from people.relations import forget_relations
from psych.models import Attendance, GroupMember, GroupSession, SupportGroup
from psych.rules import citywide_supervisor, is_psychologist

# Bounds a group's details must keep.
MAX_SESSIONS = 52
MAX_CAPACITY = 200
MIN_DURATION, MAX_DURATION = 15, 480
# How far back or ahead the first session may be: a group already running is entered with its past.
FIRST_ON_RANGE = datetime.timedelta(days=366)
# Where a group may meet: a hospital, a polyclinic, an outpatient oncology centre, the service's own rooms.
PLACE_KINDS = (
    Organisation.Kind.HOSPITAL,
    Organisation.Kind.POLYCLINIC,
    Organisation.Kind.ONCOLOGY_CENTRE,
    Organisation.Kind.PSYCH_SERVICE,
)
# Organisations that run groups: a hospital's team of psychologists, the oncological psychological service.
SERVICE_KINDS = (Organisation.Kind.HOSPITAL, Organisation.Kind.PSYCH_SERVICE)
HOLDING = GroupMember.Status.MEMBER
WAITING = GroupMember.Status.WAITING
LEFT = GroupMember.Status.LEFT


# --- reading -----------------------------------------------------------------------------------------
def visible_groups(user: Any) -> QuerySet[SupportGroup]:
    """The ``psych.view_group`` rule as a query: a service's psychologists and supervisors see its groups,
    a city supervisor (of no hospital or psychological service) every group."""
    groups = SupportGroup.objects.all()
    if not user.is_authenticated:
        return groups.none()
    if is_supervisor.test(user) and citywide_supervisor.test(user):
        return groups
    if is_psychologist.test(user) or is_supervisor.test(user):
        own = own_organisation_id(user)
        return groups.filter(organisation_id=own) if own is not None else groups.none()
    return groups.none()


def with_counts(groups: QuerySet[SupportGroup]) -> QuerySet[SupportGroup]:
    """Groups with ``n_members`` and ``n_waiting``, their service, place and facilitator."""
    return groups.select_related("organisation", "place", "facilitator").annotate(
        n_members=Count("members", filter=Q(members__status=HOLDING), distinct=True),
        n_waiting=Count("members", filter=Q(members__status=WAITING), distinct=True),
    )


def get_visible_group(user: Any, pk: int, *, perm: str = "psych.view_group") -> SupportGroup:
    """Load a group for ``user``: 403 for a role that never may, 404 for a missing group or another
    service's."""
    require(user, perm)
    group = (
        SupportGroup.objects.select_related("organisation", "place", "facilitator").filter(pk=pk).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if group is None or not user.has_perm(perm, group):
        raise Http404
    return group


def get_session(group: SupportGroup, pk: int) -> GroupSession:
    """A session of ``group`` (already authorised), or 404."""
    session = group.sessions.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if session is None:
        raise Http404
    session.group = group
    return session


def get_member(group: SupportGroup, pk: int) -> GroupMember:
    """A member (or one waiting) of ``group`` (already authorised), or 404."""
    member = group.members.select_related("person", "relative").filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if member is None:
        raise Http404
    member.group = group
    return member


def waiting_list(group: SupportGroup) -> list[GroupMember]:
    """Who waits for a place, first come first."""
    return list(group.members.filter(status=WAITING).select_related("person", "relative").order_by("joined_at", "pk"))


def waiting_position(member: GroupMember) -> int | None:
    """The place of ``member`` on the waiting list (1 is next), or None when not waiting."""
    if member.status != WAITING:
        return None
    ahead = GroupMember.objects.filter(group_id=member.group_id, status=WAITING).filter(
        Q(joined_at__lt=member.joined_at) | Q(joined_at=member.joined_at, pk__lt=member.pk)
    )
    return ahead.count() + 1


def members_count(group: SupportGroup) -> int:
    return group.members.filter(status=HOLDING).count()


def participant_name(member: GroupMember) -> str:
    """Who comes: the patient, or the relative with whose patient they come."""
    if member.relative_id and member.relative is not None:
        return _("%(relative)s (relative of %(patient)s)") % {
            "relative": member.relative.full_name,
            "patient": member.person.full_name,
        }
    return member.person.full_name


def markable_members(session: GroupSession) -> list[GroupMember]:
    """Members whose attendance of ``session`` may be marked: those holding a place, those who left after
    it began, and whoever is marked already. A member added later may be marked for an earlier session
    (a group already running is entered with its past); nobody on the waiting list is."""
    marked = Attendance.objects.filter(session=session).values("member_id")
    eligible = Q(status=HOLDING) | Q(status=LEFT, left_at__gte=session.starts_at)
    members = GroupMember.objects.filter(group_id=session.group_id).filter(eligible | Q(pk__in=marked))
    return list(members.select_related("person", "relative").order_by("joined_at", "pk"))


# --- figures -----------------------------------------------------------------------------------------
def _held(user: Any, start: datetime.datetime, end: datetime.datetime) -> QuerySet[GroupSession]:
    return GroupSession.objects.filter(
        group__in=visible_groups(user), held=True, cancelled=False, starts_at__gte=start, starts_at__lte=end
    )


def sessions_held(user: Any, start: datetime.datetime, end: datetime.datetime) -> int:
    """Sessions of the groups ``user`` may see that began in [start, end] and were held (attendance marked)."""
    return _held(user, start, end).count()


def participants(user: Any, start: datetime.datetime, end: datetime.datetime) -> int:
    """Distinct people present at least once at those sessions: each patient once, each relative once."""
    present = Attendance.objects.filter(session__in=_held(user, start, end), present=True)
    patients = present.filter(member__relative__isnull=True).values("member__person_id").distinct().count()
    relatives = present.filter(member__relative__isnull=False).values("member__relative_id").distinct().count()
    return patients + relatives


# --- validation --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupDetails:
    """What a psychologist says of a group when creating or changing it."""

    topic: str
    weekday: int
    starts: datetime.time
    first_on: datetime.date
    audience: str = SupportGroup.Audience.BOTH
    place: Organisation | None = None
    room: str = ""
    video_link: str = ""
    duration_minutes: int = 90
    sessions_planned: int = 8
    capacity: int = 12
    facilitator: User | None = None  # the actor when not given


def _text(value: str, field: str, limit: int, problems: dict[str, list[str]], *, required: bool = False) -> str:
    try:
        text = " ".join(clean_text(value or "").split())
    except ValidationError as error:
        problems[field] = list(error.messages)
        return ""
    if required and not text:
        problems[field] = [_("This field is required.")]
    elif len(text) > limit:
        problems[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return text


def first_session_day(first_on: datetime.date, weekday: int) -> datetime.date:
    """The first date on or after ``first_on`` that falls on ``weekday`` (0 is Monday)."""
    return first_on + datetime.timedelta(days=(weekday - first_on.weekday()) % 7)


def session_times(details: GroupDetails) -> list[datetime.datetime]:
    """When the planned sessions begin: weekly from the first session, at ``starts`` Moscow time."""
    zone = timezone.get_current_timezone()
    day = first_session_day(details.first_on, details.weekday)
    return [
        timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(weeks=n), details.starts), zone)
        for n in range(details.sessions_planned)
    ]


def check_group(details: GroupDetails, organisation_id: int, *, today: datetime.date | None = None) -> GroupDetails:
    """The details cleaned, or ValidationError with every field's problem at once."""
    today = today or timezone.localdate()
    problems: dict[str, list[str]] = {}
    topic = _text(details.topic, "topic", 200, problems, required=True)
    room = _text(details.room, "room", 100, problems)
    link = (details.video_link or "").strip()
    if link:
        if len(link) > 400:
            problems["video_link"] = [_("At most %(n)d characters.") % {"n": 400}]
        else:
            try:
                URLValidator(schemes=["https"])(link)
            except ValidationError:
                problems["video_link"] = [_("Enter the link as https://…")]
    if details.place is None and not link:
        problems["place"] = [_("Say where the group meets, or give the link of the online room.")]
    if details.place is not None and details.place.kind not in PLACE_KINDS:
        problems["place"] = [_("A group meets at a hospital, a polyclinic or an oncology centre.")]
    if details.audience not in SupportGroup.Audience.values:
        problems["audience"] = [_("Choose whom the group is for.")]
    if not 0 <= details.weekday <= 6:
        problems["weekday"] = [_("Choose the weekday.")]
    if not MIN_DURATION <= details.duration_minutes <= MAX_DURATION:
        problems["duration_minutes"] = [
            _("A session lasts from %(low)d to %(high)d minutes.") % {"low": MIN_DURATION, "high": MAX_DURATION}
        ]
    if not 1 <= details.sessions_planned <= MAX_SESSIONS:
        problems["sessions_planned"] = [_("Plan from 1 to %(n)d sessions.") % {"n": MAX_SESSIONS}]
    if not 1 <= details.capacity <= MAX_CAPACITY:
        problems["capacity"] = [_("A group has from 1 to %(n)d places.") % {"n": MAX_CAPACITY}]
    if abs(details.first_on - today) > FIRST_ON_RANGE:
        problems["first_on"] = [_("The first session must be within a year from today.")]
    if (
        details.facilitator is not None
        and not psychologists_of(organisation_id).filter(pk=details.facilitator.pk).exists()
    ):
        problems["facilitator"] = [_("The facilitator must be a psychologist of your service.")]
    if problems:
        raise ValidationError(problems)
    return GroupDetails(
        topic=topic,
        weekday=details.weekday,
        starts=details.starts.replace(second=0, microsecond=0),
        first_on=first_session_day(details.first_on, details.weekday),
        audience=details.audience,
        place=details.place,
        room=room,
        video_link=link,
        duration_minutes=details.duration_minutes,
        sessions_planned=details.sessions_planned,
        capacity=details.capacity,
        facilitator=details.facilitator,
    )


def _service(actor: Actor) -> Organisation:
    own = own_organisation_id(actor.user)
    service = Organisation.objects.filter(pk=own, kind__in=SERVICE_KINDS).first() if own else None
    if service is None:
        raise ValidationError(
            {
                "__all__": _(
                    "Your account is not linked to a hospital or a psychological service. Ask the administrator."
                )
            }
        )
    return service


def _journal(
    actor: Actor,
    action: str,
    group: SupportGroup,
    *,
    person_id: int | None = None,
    fields: Iterable[str] = (),
    **details: Any,
) -> None:
    audit.record(actor=actor, action=action, obj=group, person_id=person_id, fields=fields, details=details)


SCHEDULE_FIELDS = ("weekday", "starts", "first_on", "sessions_planned", "duration_minutes")
GROUP_FIELDS = (
    "topic",
    "audience",
    "facilitator",
    "place",
    "room",
    "video_link",
    *SCHEDULE_FIELDS,
    "capacity",
)


def _apply(group: SupportGroup, details: GroupDetails, facilitator: User) -> list[str]:
    """Set the details on ``group``; the names of the fields that changed."""
    changed = []
    values: dict[str, Any] = {
        "topic": details.topic,
        "audience": details.audience,
        "facilitator": facilitator,
        "place": details.place,
        "room": details.room,
        "video_link": details.video_link,
        "weekday": details.weekday,
        "starts": details.starts,
        "first_on": details.first_on,
        "sessions_planned": details.sessions_planned,
        "duration_minutes": details.duration_minutes,
        "capacity": details.capacity,
    }
    for name, value in values.items():
        if name in ("facilitator", "place"):  # compared by id: a new group has none yet
            if getattr(group, f"{name}_id") != (value.pk if value is not None else None):
                changed.append(name)
        elif getattr(group, name) != value:
            changed.append(name)
        setattr(group, name, value)
    return changed


# --- groups ------------------------------------------------------------------------------------------
def create_group(*, actor: Actor, details: GroupDetails) -> SupportGroup:
    """A psychologist creates a group of their service with its weekly sessions planned."""
    require(actor.user, "psych.manage_group")
    service = _service(actor)
    details = check_group(details, service.pk)
    facilitator = details.facilitator or actor.user
    if details.facilitator is None and not psychologists_of(service.pk).filter(pk=actor.user.pk).exists():
        raise ValidationError({"facilitator": [_("The facilitator must be a psychologist of your service.")]})
    with transaction.atomic():
        group = SupportGroup(organisation=service)
        _apply(group, details, facilitator)
        group.save()
        GroupSession.objects.bulk_create(
            GroupSession(group=group, number=n, starts_at=at, duration_minutes=group.duration_minutes)
            for n, at in enumerate(session_times(details), start=1)
        )
        _journal(actor, Action.CREATE, group, fields=GROUP_FIELDS, sessions=group.sessions_planned)
    return group


def _replan(group: SupportGroup, details: GroupDetails, now: datetime.datetime) -> int:
    """Sessions still to come (not begun, not held, nobody marked) follow the new schedule; those held or
    begun stay as they were. Returns how many sessions were planned anew."""
    sessions = group.sessions.all()
    kept = sessions.filter(Q(starts_at__lte=now) | Q(held=True) | Q(attendance__isnull=False)).distinct()
    kept_list = list(kept.order_by("starts_at"))
    group.sessions.exclude(pk__in=[s.pk for s in kept_list]).delete()
    last = max((s.starts_at for s in kept_list), default=None)
    number = max((s.number for s in kept_list), default=0)
    wanted = max(details.sessions_planned - len(kept_list), 0)
    times = [at for at in session_times(details) if at > now and (last is None or at > last)]
    if len(times) < wanted:  # the schedule ran out before the count: go on weekly after its last session
        tail = times[-1] if times else max(filter(None, [last, now]))
        times += [tail + datetime.timedelta(weeks=n) for n in range(1, wanted - len(times) + 1)]
    fresh = [
        GroupSession(group=group, number=number + n, starts_at=at, duration_minutes=details.duration_minutes)
        for n, at in enumerate(times[:wanted], start=1)
    ]
    GroupSession.objects.bulk_create(fresh)
    return len(fresh)


def change_group(
    *, actor: Actor, group: SupportGroup, details: GroupDetails, expected_version: int
) -> tuple[SupportGroup, list[GroupMember]]:
    """Change a group on the version the user saw. A changed schedule re-plans the sessions to come;
    more places move people up from the waiting list (returned); fewer places than members is refused."""
    require(actor.user, "psych.manage_group", group)
    details = check_group(details, group.organisation_id)
    facilitator = details.facilitator or group.facilitator
    with transaction.atomic():
        locked = SupportGroup.objects.select_for_update().get(pk=group.pk)
        holding = locked.members.filter(status=HOLDING).count()
        if details.capacity < holding:
            raise ValidationError(
                {
                    "capacity": [
                        _("The group has %(n)d members: it cannot have fewer places. Remove members first.")
                        % {"n": holding}
                    ]
                }
            )
        schedule_before = tuple(getattr(group, name) for name in SCHEDULE_FIELDS)
        changed = _apply(group, details, facilitator)
        # One UPDATE writes the group's fields and checks the version the user saw.
        save_versioned(group, expected_version=expected_version, fields=_db_fields())
        replanned = 0
        if tuple(getattr(group, name) for name in SCHEDULE_FIELDS) != schedule_before:
            replanned = _replan(group, details, timezone.now())
        _journal(actor, Action.CHANGE, group, fields=changed, replanned=replanned)
        promoted = _promote(actor, group)
    return group, promoted


def _db_fields() -> list[str]:
    return [name if name not in ("facilitator", "place") else f"{name}_id" for name in GROUP_FIELDS]


def cancel_session(*, actor: Actor, session: GroupSession) -> GroupSession:
    """Cancel a session that has not been held (nobody marked); its members are to be told by the facilitator."""
    group = session.group
    require(actor.user, "psych.manage_group", group)
    if session.cancelled:
        raise ValidationError({"__all__": _("This session is already cancelled.")})
    if session.held or session.attendance.exists():
        raise ValidationError({"__all__": _("This session was held: its attendance is marked.")})
    with transaction.atomic():
        done = GroupSession.objects.filter(pk=session.pk, cancelled=False, held=False).update(cancelled=True)
        if not done:
            raise ValidationError({"__all__": _("This session is already cancelled.")})
        session.cancelled = True
        _journal(actor, Action.CHANGE, group, fields=["sessions"], session=session.number, event="cancelled")
    return session


# --- members -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Joined:
    member: GroupMember
    position: int | None  # on the waiting list; None when they got a place

    @property
    def has_place(self) -> bool:
        return self.member.status == HOLDING


def add_member(*, actor: Actor, group: SupportGroup, person: Person, relative: ContactPerson | None = None) -> Joined:
    """Add a patient (or their relative, who then comes) to the group: a place if one is free, else the
    waiting list. The person becomes the facilitator's client."""
    require(actor.user, "psych.manage_group", group)
    if not group.is_active:
        raise ValidationError({"__all__": _("The group is no longer running.")})
    if relative is not None and relative.person_id != person.pk:
        raise ValidationError({"relative": [_("This relative is not the patient's.")]})
    if group.audience == SupportGroup.Audience.PATIENTS and relative is not None:
        raise ValidationError({"relative": [_("This group is for patients only.")]})
    if group.audience == SupportGroup.Audience.RELATIVES and relative is None:
        raise ValidationError({"relative": [_("This group is for relatives: choose the relative who comes.")]})
    already = _("%(name)s is already in this group or on its waiting list.")
    who = relative.full_name if relative is not None else person.full_name
    same = group.members.exclude(status=LEFT)
    same = same.filter(relative=relative) if relative is not None else same.filter(person=person, relative__isnull=True)
    if same.exists():
        raise ValidationError({"__all__": already % {"name": who}})
    try:
        with transaction.atomic():
            # The group's row lock (PostgreSQL; SQLite's writers queue anyway) makes the count of places
            # and the insert one step, so two psychologists cannot both take the last place.
            locked = SupportGroup.objects.select_for_update().get(pk=group.pk)
            holding = locked.members.filter(status=HOLDING).count()
            status = HOLDING if holding < locked.capacity else WAITING
            member = GroupMember.objects.create(
                group=group, person=person, relative=relative, status=status, added_by=actor.user
            )
            position = waiting_position(member)
            _journal(
                actor,
                Action.CHANGE,
                group,
                person_id=person.pk,
                fields=["members"],
                member=member.pk,
                event="joined" if status == HOLDING else "waiting",
                relative=relative.pk if relative is not None else None,
                position=position,
            )
    except IntegrityError as error:  # added by someone else at the same moment
        raise ValidationError({"__all__": already % {"name": who}}) from error
    forget_relations(actor.user)
    return Joined(member=member, position=position)


def _promote(actor: Actor, group: SupportGroup) -> list[GroupMember]:
    """Move the first on the waiting list up while places are free (inside the caller's transaction)."""
    promoted: list[GroupMember] = []
    free = group.capacity - group.members.filter(status=HOLDING).count()
    if free <= 0:
        return promoted
    for member in waiting_list(group)[:free]:
        moved = GroupMember.objects.filter(pk=member.pk, status=WAITING).update(status=HOLDING)
        if not moved:
            continue
        member.status = HOLDING
        promoted.append(member)
        _journal(
            actor,
            Action.CHANGE,
            group,
            person_id=member.person_id,
            fields=["members"],
            member=member.pk,
            event="moved_up",
        )
    return promoted


def remove_member(*, actor: Actor, member: GroupMember) -> GroupMember | None:
    """A member leaves the group (or someone leaves the waiting list). A place freed goes to the first on
    the waiting list, who is returned (None when nobody moved up)."""
    group = member.group
    require(actor.user, "psych.manage_group", group)
    if member.status == LEFT:
        raise ValidationError(
            {"__all__": _("%(name)s has already left the group.") % {"name": participant_name(member)}}
        )
    with transaction.atomic():
        locked = SupportGroup.objects.select_for_update().get(pk=group.pk)
        now = timezone.now()
        done = GroupMember.objects.filter(pk=member.pk, status=member.status).update(status=LEFT, left_at=now)
        if not done:
            raise ValidationError(
                {"__all__": _("%(name)s has already left the group.") % {"name": participant_name(member)}}
            )
        was = member.status
        member.status, member.left_at = LEFT, now
        _journal(
            actor,
            Action.CHANGE,
            group,
            person_id=member.person_id,
            fields=["members"],
            member=member.pk,
            event="left" if was == HOLDING else "left_waiting_list",
        )
        promoted = _promote(actor, locked) if was == HOLDING else []
    return promoted[0] if promoted else None


# --- attendance --------------------------------------------------------------------------------------
def mark_attendance(
    *, actor: Actor, session: GroupSession, marks: Mapping[int, bool], today: datetime.date | None = None
) -> list[Attendance]:
    """Record who came (True) and who did not (False), by member id: one row per member and session,
    a second marking changes it. The session is then held."""
    group = session.group
    require(actor.user, "psych.manage_group", group)
    today = today or timezone.localdate()
    if session.cancelled:
        raise ValidationError({"__all__": _("This session was cancelled.")})
    if timezone.localdate(session.starts_at) > today:
        raise ValidationError(
            {
                "__all__": _("The session is on %(day)s: mark attendance on that day or later.")
                % {"day": timezone.localdate(session.starts_at).strftime("%d.%m.%Y")}
            }
        )
    if not marks:
        raise ValidationError({"__all__": _("Mark who came and who did not.")})
    eligible = {member.pk: member for member in markable_members(session)}
    unknown = [pk for pk in marks if pk not in eligible]
    if unknown:
        raise ValidationError({"__all__": _("Only members of the group can be marked, not those on the waiting list.")})
    saved: list[Attendance] = []
    with transaction.atomic():
        existing = {row.member_id: row for row in Attendance.objects.filter(session=session)}
        now = timezone.now()
        for member_pk, present in marks.items():
            row = existing.get(member_pk)
            if row is not None and row.present == bool(present):
                saved.append(row)
                continue
            if row is None:
                row = Attendance.objects.create(
                    session=session, member_id=member_pk, present=bool(present), marked_by=actor.user, marked_at=now
                )
            else:
                row.present, row.marked_by, row.marked_at = bool(present), actor.user, now
                row.save(update_fields=["present", "marked_by", "marked_at"])
            saved.append(row)
            _journal(
                actor,
                Action.CHANGE,
                group,
                person_id=eligible[member_pk].person_id,
                fields=["attendance"],
                session=session.number,
                member=member_pk,
                present=bool(present),
            )
        if not session.held:
            GroupSession.objects.filter(pk=session.pk).update(held=True)
            session.held = True
    return saved
