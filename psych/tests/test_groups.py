"""Support groups: the schedule, the places and the waiting list, attendance, and every refusal with
nothing written."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from people.models import ContactPerson
from people.tests.factories import PersonFactory
from psych import groups
from psych.models import Attendance, GroupMember, GroupSession, SupportGroup
from psych.tests.conftest import Clinic

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def details(clinic: Clinic, **changes: Any) -> groups.GroupDetails:
    values: dict[str, Any] = {
        "topic": "Жизнь после диагноза",
        "weekday": 2,  # Wednesday
        "starts": datetime.time(18, 30),
        "first_on": MONDAY,
        "place": clinic.hospital,
        "room": "конференц-зал, 3 этаж",
        "capacity": 2,
        "sessions_planned": 4,
    }
    values.update(changes)
    return groups.GroupDetails(**values)


def make_group(clinic: Clinic, **changes: Any) -> SupportGroup:
    return groups.create_group(actor=Actor(clinic.psychologist), details=details(clinic, **changes))


def journal(**details: Any) -> list[AuditEvent]:
    entries = AuditEvent.objects.filter(object_type="psych.supportgroup")
    return [e for e in entries if all(e.details.get(k) == v for k, v in details.items())]


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> Any:
    """Saturday 5 December 2026; the messages in English, as the services word them."""
    time_machine.move_to(datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.UTC), tick=False)
    with translation.override("en"):
        yield


# --- creating and changing ----------------------------------------------------------------------------
def test_a_group_gets_its_weekly_sessions_in_moscow_time(clinic):
    group = make_group(clinic)

    assert group.organisation == clinic.hospital and group.facilitator == clinic.psychologist
    assert group.first_on == datetime.date(2026, 12, 9)  # the first Wednesday from the date given
    sessions = list(group.sessions.order_by("number"))
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert [timezone.localtime(s.starts_at).strftime("%d.%m %H:%M %a") for s in sessions] == [
        "09.12 18:30 Wed",
        "16.12 18:30 Wed",
        "23.12 18:30 Wed",
        "30.12 18:30 Wed",
    ]
    assert sessions[0].starts_at == datetime.datetime(2026, 12, 9, 15, 30, tzinfo=datetime.UTC)
    [entry] = journal()
    assert entry.action == "create" and entry.details["sessions"] == 4


def test_an_online_group_needs_no_place(clinic):
    group = make_group(clinic, place=None, room="", video_link="https://psy.example.ru/room/group-1")
    assert group.place is None and group.video_link.endswith("group-1")


def test_a_group_without_place_or_link_is_refused_and_nothing_written(clinic):
    with pytest.raises(ValidationError) as refused:
        make_group(clinic, place=None, topic="  ", capacity=0, sessions_planned=60, video_link="http://x")
    assert refused.value.message_dict == {
        "topic": ["This field is required."],
        "video_link": ["Enter the link as https://…"],
        "sessions_planned": ["Plan from 1 to 52 sessions."],
        "capacity": ["A group has from 1 to 200 places."],
    }
    with pytest.raises(ValidationError) as refused:
        make_group(clinic, place=None)
    assert refused.value.message_dict == {"place": ["Say where the group meets, or give the link of the online room."]}
    assert not SupportGroup.objects.exists() and not GroupSession.objects.exists() and not journal()


def test_the_facilitator_must_be_a_psychologist_of_the_service(clinic):
    group = make_group(clinic, facilitator=clinic.colleague)
    assert group.facilitator == clinic.colleague
    with pytest.raises(ValidationError) as refused:
        make_group(clinic, facilitator=clinic.stranger)
    assert refused.value.message_dict == {"facilitator": ["The facilitator must be a psychologist of your service."]}
    assert SupportGroup.objects.count() == 1


@pytest.mark.parametrize("who", ["hospital_supervisor", "coordinator", "operator", "administrator"])
def test_only_psychologists_create_groups(clinic, who):
    with pytest.raises(PermissionDenied):
        groups.create_group(actor=Actor(getattr(clinic, who)), details=details(clinic))
    assert not SupportGroup.objects.exists()


def test_changing_the_schedule_replans_the_sessions_to_come_only(clinic, time_machine):
    group = make_group(clinic)
    first = group.sessions.get(number=1)
    time_machine.move_to(datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC), tick=False)  # after session 1

    changed, promoted = groups.change_group(
        actor=Actor(clinic.colleague),
        group=group,
        details=details(clinic, weekday=4, starts=datetime.time(17, 0), topic="После диагноза"),
        expected_version=group.version,
    )

    assert promoted == [] and changed.version == 2
    group.refresh_from_db()
    assert group.topic == "После диагноза" and group.weekday == 4
    sessions = list(group.sessions.order_by("number"))
    assert sessions[0].pk == first.pk and sessions[0].starts_at == first.starts_at
    assert [timezone.localtime(s.starts_at).strftime("%d.%m %H:%M") for s in sessions[1:]] == [
        "11.12 17:00",
        "18.12 17:00",
        "25.12 17:00",
    ]
    [entry] = journal(replanned=3)
    assert set(entry.fields) >= {"topic", "weekday", "starts"}


def test_a_stale_version_is_refused_and_nothing_changes(clinic):
    group = make_group(clinic)
    groups.change_group(
        actor=Actor(clinic.psychologist), group=group, details=details(clinic, room="каб. 5"), expected_version=1
    )
    stale = SupportGroup.objects.get(pk=group.pk)
    stale.version = 1

    with pytest.raises(ConcurrentEditError):
        groups.change_group(
            actor=Actor(clinic.colleague), group=stale, details=details(clinic, topic="Другое"), expected_version=1
        )

    group.refresh_from_db()
    assert group.topic == "Жизнь после диагноза" and group.room == "каб. 5" and group.version == 2
    assert len(journal()) == 2  # created, changed once


def test_fewer_places_than_members_is_refused(clinic):
    group = make_group(clinic)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.other_patient)
    with pytest.raises(ValidationError) as refused:
        groups.change_group(
            actor=Actor(clinic.psychologist), group=group, details=details(clinic, capacity=1), expected_version=1
        )
    assert refused.value.message_dict == {
        "capacity": ["The group has 2 members: it cannot have fewer places. Remove members first."]
    }
    group.refresh_from_db()
    assert group.capacity == 2 and group.version == 1


def test_more_places_move_people_up_from_the_waiting_list(clinic):
    group = make_group(clinic, capacity=1)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    waiting = groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.other_patient)
    _group, promoted = groups.change_group(
        actor=Actor(clinic.psychologist), group=group, details=details(clinic, capacity=3), expected_version=1
    )
    assert [m.pk for m in promoted] == [waiting.member.pk]
    assert GroupMember.objects.get(pk=waiting.member.pk).status == "member"
    assert journal(event="moved_up")[0].person_id == clinic.other_patient.pk


def test_another_services_psychologist_cannot_change_the_group(clinic):
    group = make_group(clinic)
    with pytest.raises(PermissionDenied):
        groups.change_group(
            actor=Actor(clinic.stranger), group=group, details=details(clinic, topic="x"), expected_version=1
        )
    assert SupportGroup.objects.get().topic == "Жизнь после диагноза"


# --- members and the waiting list ---------------------------------------------------------------------
def test_members_take_the_places_then_the_waiting_list_fills_in_order(clinic):
    group = make_group(clinic, capacity=2)
    actor = Actor(clinic.psychologist)
    third, fourth = PersonFactory(surname="Третьякова"), PersonFactory(surname="Четвертак")

    first = groups.add_member(actor=actor, group=group, person=clinic.patient)
    second = groups.add_member(actor=actor, group=group, person=clinic.other_patient)
    waiting_one = groups.add_member(actor=actor, group=group, person=third)
    waiting_two = groups.add_member(actor=actor, group=group, person=fourth)

    assert (first.has_place, first.position) == (True, None)
    assert (second.has_place, second.position) == (True, None)
    assert (waiting_one.has_place, waiting_one.position) == (False, 1)
    assert (waiting_two.has_place, waiting_two.position) == (False, 2)
    assert groups.members_count(group) == 2
    assert [m.person for m in groups.waiting_list(group)] == [third, fourth]
    entry = journal(member=waiting_two.member.pk)[0]
    assert entry.person_id == fourth.pk and entry.details["event"] == "waiting" and entry.details["position"] == 2


def test_a_member_leaving_moves_the_first_on_the_waiting_list_up(clinic):
    group = make_group(clinic, capacity=1)
    actor = Actor(clinic.psychologist)
    member = groups.add_member(actor=actor, group=group, person=clinic.patient).member
    first_waiting = groups.add_member(actor=actor, group=group, person=clinic.other_patient).member
    second_waiting = groups.add_member(actor=actor, group=group, person=PersonFactory()).member

    promoted = groups.remove_member(actor=Actor(clinic.colleague), member=groups.get_member(group, member.pk))

    assert promoted is not None and promoted.pk == first_waiting.pk
    assert GroupMember.objects.get(pk=member.pk).status == "left"
    assert GroupMember.objects.get(pk=member.pk).left_at is not None
    assert GroupMember.objects.get(pk=first_waiting.pk).status == "member"
    assert groups.waiting_position(GroupMember.objects.get(pk=second_waiting.pk)) == 1
    assert journal(member=member.pk, event="left")[0].person_id == clinic.patient.pk
    [moved] = journal(event="moved_up")
    assert moved.person_id == clinic.other_patient.pk and moved.actor_id == clinic.colleague.pk


def test_leaving_the_waiting_list_moves_nobody(clinic):
    group = make_group(clinic, capacity=1)
    actor = Actor(clinic.psychologist)
    groups.add_member(actor=actor, group=group, person=clinic.patient)
    waiting = groups.add_member(actor=actor, group=group, person=clinic.other_patient).member
    assert groups.remove_member(actor=actor, member=groups.get_member(group, waiting.pk)) is None
    assert not journal(event="moved_up") and journal(event="left_waiting_list")


def test_removing_someone_who_left_is_refused(clinic):
    group = make_group(clinic)
    actor = Actor(clinic.psychologist)
    member = groups.add_member(actor=actor, group=group, person=clinic.patient).member
    groups.remove_member(actor=actor, member=groups.get_member(group, member.pk))
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        groups.remove_member(actor=actor, member=groups.get_member(group, member.pk))
    assert refused.value.messages == ["Соколова Мария Петровна has already left the group."]
    assert AuditEvent.objects.count() == before


def test_the_same_patient_twice_is_refused_and_nothing_written(clinic):
    group = make_group(clinic)
    actor = Actor(clinic.psychologist)
    groups.add_member(actor=actor, group=group, person=clinic.patient)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        groups.add_member(actor=actor, group=group, person=clinic.patient)
    assert refused.value.messages == ["Соколова Мария Петровна is already in this group or on its waiting list."]
    assert GroupMember.objects.count() == 1 and AuditEvent.objects.count() == before


def test_a_patient_and_their_relative_are_two_participants(clinic):
    group = make_group(clinic)
    actor = Actor(clinic.psychologist)
    groups.add_member(actor=actor, group=group, person=clinic.patient)
    son = groups.add_member(actor=actor, group=group, person=clinic.patient, relative=clinic.son)
    assert son.has_place and groups.participant_name(son.member) == (
        "Соколов Андрей Игоревич (relative of Соколова Мария Петровна)"
    )
    with pytest.raises(ValidationError):
        groups.add_member(actor=actor, group=group, person=clinic.patient, relative=clinic.son)


def test_the_audience_of_the_group_is_kept(clinic):
    actor = Actor(clinic.psychologist)
    for_patients = make_group(clinic, audience="patients")
    for_relatives = make_group(clinic, audience="relatives")
    strangers_relative = ContactPerson.objects.create(
        person=clinic.other_patient, full_name="Орлова Нина", relation="spouse"
    )
    cases = [
        (for_patients, clinic.son, {"relative": ["This group is for patients only."]}),
        (for_relatives, None, {"relative": ["This group is for relatives: choose the relative who comes."]}),
        (for_relatives, strangers_relative, {"relative": ["This relative is not the patient's."]}),
    ]
    for group, relative, message in cases:
        with pytest.raises(ValidationError) as refused:
            groups.add_member(actor=actor, group=group, person=clinic.patient, relative=relative)
        assert refused.value.message_dict == message
    assert not GroupMember.objects.exists()


def test_adding_a_member_makes_them_the_facilitators_client(clinic):
    group = make_group(clinic)
    assert not clinic.psychologist.has_perm("people.view_person", clinic.patient)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    from people.relations import forget_relations

    forget_relations(clinic.psychologist)
    assert clinic.psychologist.has_perm("people.view_person", clinic.patient)
    assert not clinic.colleague.has_perm("people.view_person", clinic.patient)


def test_a_supervisor_cannot_add_members(clinic):
    group = make_group(clinic)
    with pytest.raises(PermissionDenied):
        groups.add_member(actor=Actor(clinic.hospital_supervisor), group=group, person=clinic.patient)
    assert not GroupMember.objects.exists()


# --- sessions and attendance --------------------------------------------------------------------------
def _members(clinic: Clinic, group: SupportGroup) -> tuple[GroupMember, GroupMember]:
    actor = Actor(clinic.psychologist)
    return (
        groups.add_member(actor=actor, group=group, person=clinic.patient).member,
        groups.add_member(actor=actor, group=group, person=clinic.other_patient).member,
    )


def test_attendance_is_one_row_per_member_and_marking_again_changes_it(clinic, time_machine):
    group = make_group(clinic)
    anna, peter = _members(clinic, group)
    session = groups.get_session(group, group.sessions.get(number=1).pk)
    time_machine.move_to(datetime.datetime(2026, 12, 9, 17, 0, tzinfo=datetime.UTC), tick=False)
    actor = Actor(clinic.psychologist)

    groups.mark_attendance(actor=actor, session=session, marks={anna.pk: True, peter.pk: False})
    groups.mark_attendance(actor=actor, session=session, marks={anna.pk: True, peter.pk: True})

    rows = dict(Attendance.objects.filter(session=session).values_list("member_id", "present"))
    assert rows == {anna.pk: True, peter.pk: True}
    assert GroupSession.objects.get(pk=session.pk).held
    # Three changes journaled (Анна once, Пётр twice), each with its person.
    marks = journal(session=1)
    assert sorted((e.person_id, e.details["present"]) for e in marks) == sorted(
        [(clinic.patient.pk, True), (clinic.other_patient.pk, False), (clinic.other_patient.pk, True)]
    )


def test_a_future_session_cannot_be_marked(clinic):
    group = make_group(clinic)
    anna, _peter = _members(clinic, group)
    session = groups.get_session(group, group.sessions.get(number=2).pk)
    with pytest.raises(ValidationError) as refused:
        groups.mark_attendance(actor=Actor(clinic.psychologist), session=session, marks={anna.pk: True})
    assert refused.value.messages == ["The session is on 16.12.2026: mark attendance on that day or later."]
    assert not Attendance.objects.exists() and not GroupSession.objects.get(pk=session.pk).held


def test_someone_on_the_waiting_list_cannot_be_marked(clinic, time_machine):
    group = make_group(clinic, capacity=1)
    actor = Actor(clinic.psychologist)
    groups.add_member(actor=actor, group=group, person=clinic.patient)
    waiting = groups.add_member(actor=actor, group=group, person=clinic.other_patient).member
    time_machine.move_to(datetime.datetime(2026, 12, 9, 17, 0, tzinfo=datetime.UTC), tick=False)
    session = groups.get_session(group, group.sessions.get(number=1).pk)
    with pytest.raises(ValidationError) as refused:
        groups.mark_attendance(actor=actor, session=session, marks={waiting.pk: True})
    assert refused.value.messages == ["Only members of the group can be marked, not those on the waiting list."]
    assert not Attendance.objects.exists()


def test_a_cancelled_session_is_not_marked_and_a_held_one_not_cancelled(clinic, time_machine):
    group = make_group(clinic)
    anna, _peter = _members(clinic, group)
    actor = Actor(clinic.psychologist)
    second = groups.get_session(group, group.sessions.get(number=2).pk)
    groups.cancel_session(actor=actor, session=second)
    assert GroupSession.objects.get(pk=second.pk).cancelled
    assert journal(event="cancelled", session=2)
    with pytest.raises(ValidationError) as refused:
        groups.cancel_session(actor=actor, session=groups.get_session(group, second.pk))
    assert refused.value.messages == ["This session is already cancelled."]

    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(ValidationError) as refused:
        groups.mark_attendance(actor=actor, session=groups.get_session(group, second.pk), marks={anna.pk: True})
    assert refused.value.messages == ["This session was cancelled."]
    first = groups.get_session(group, group.sessions.get(number=1).pk)
    groups.mark_attendance(actor=actor, session=first, marks={anna.pk: True})
    with pytest.raises(ValidationError) as refused:
        groups.cancel_session(actor=actor, session=groups.get_session(group, first.pk))
    assert refused.value.messages == ["This session was held: its attendance is marked."]
    assert not GroupSession.objects.get(pk=first.pk).cancelled


def test_a_member_who_left_after_a_session_can_still_be_marked_for_it(clinic, time_machine):
    group = make_group(clinic)
    anna, peter = _members(clinic, group)
    actor = Actor(clinic.psychologist)
    time_machine.move_to(datetime.datetime(2026, 12, 12, 9, 0, tzinfo=datetime.UTC), tick=False)
    groups.remove_member(actor=actor, member=groups.get_member(group, peter.pk))
    first = groups.get_session(group, group.sessions.get(number=1).pk)
    assert {m.pk for m in groups.markable_members(first)} == {anna.pk, peter.pk}
    groups.mark_attendance(actor=actor, session=first, marks={peter.pk: True})
    assert Attendance.objects.get().member_id == peter.pk


# --- reading and figures ------------------------------------------------------------------------------
def test_who_sees_which_groups(clinic):
    own = make_group(clinic)
    onco = groups.create_group(
        actor=Actor(clinic.onco_psychologist), details=details(clinic, place=clinic.onco_centre, topic="Онко")
    )
    seen = {
        who: set(groups.visible_groups(getattr(clinic, who)).values_list("pk", flat=True))
        for who in (
            "psychologist",
            "stranger",
            "onco_psychologist",
            "hospital_supervisor",
            "city_supervisor",
            "coordinator",
        )
    }
    assert seen == {
        "psychologist": {own.pk},
        "stranger": set(),
        "onco_psychologist": {onco.pk},
        "hospital_supervisor": {own.pk},
        "city_supervisor": {own.pk, onco.pk},
        "coordinator": set(),
    }
    assert groups.get_visible_group(clinic.city_supervisor, onco.pk) == onco
    with pytest.raises(Http404):
        groups.get_visible_group(clinic.stranger, own.pk)
    with pytest.raises(Http404):
        groups.get_visible_group(clinic.psychologist, 10**6)
    with pytest.raises(PermissionDenied):
        groups.get_visible_group(clinic.coordinator, own.pk)
    with pytest.raises(PermissionDenied):
        groups.get_visible_group(clinic.hospital_supervisor, own.pk, perm="psych.manage_group")


def test_figures_count_sessions_held_and_distinct_participants(clinic, time_machine):
    group = make_group(clinic)
    second_group = make_group(clinic, topic="Вторая группа")
    anna, peter = _members(clinic, group)
    actor = Actor(clinic.psychologist)
    anna_again = groups.add_member(actor=actor, group=second_group, person=clinic.patient).member
    son = groups.add_member(actor=actor, group=second_group, person=clinic.patient, relative=clinic.son).member
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC), tick=False)
    s1, s2 = (groups.get_session(group, group.sessions.get(number=n).pk) for n in (1, 2))
    groups.mark_attendance(actor=actor, session=s1, marks={anna.pk: True, peter.pk: False})
    groups.mark_attendance(actor=actor, session=s2, marks={anna.pk: True, peter.pk: False})
    other = groups.get_session(second_group, second_group.sessions.get(number=1).pk)
    groups.mark_attendance(actor=actor, session=other, marks={anna_again.pk: True, son.pk: True})

    start = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC)
    assert groups.sessions_held(clinic.psychologist, start, end) == 3
    # Мария (in both groups) once, her son once; Пётр never came.
    assert groups.participants(clinic.psychologist, start, end) == 2
    assert groups.sessions_held(clinic.psychologist, start, datetime.datetime(2026, 12, 10, tzinfo=datetime.UTC)) == 2
    assert groups.sessions_held(clinic.stranger, start, end) == 0
    assert groups.participants(clinic.city_supervisor, start, end) == 2
