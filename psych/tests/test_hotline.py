"""The hotlines: the duty roster and its gaps, the call log, the follow-ups calls leave, and the safety
plan that only the service's psychologists read."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from notify.models import OutboxMessage
from psych import hotline
from psych.models import DutyShift, FollowUp, HotlineCall, HotlineLine
from psych.tests.conftest import Clinic

pytestmark = pytest.mark.django_db

MSK = datetime.timezone(datetime.timedelta(hours=3))
NOW = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=MSK)  # a Tuesday
PLAN = "Позвонить сестре Ольге; убрать таблетки; звонить на 051 ночью"


@dataclass
class Lines:
    emergency: HotlineLine  # 24/7, of the hospital's service (the clinic's psychologists)
    oncology: HotlineLine  # 09:00–21:00, of the oncological service


def make_lines(clinic: Clinic) -> Lines:
    return Lines(
        emergency=HotlineLine.objects.create(
            organisation=clinic.hospital,
            name="Экстренная психологическая помощь",
            phone="051, +7 (495) 051",
            round_the_clock=True,
        ),
        oncology=HotlineLine.objects.create(
            organisation=clinic.onco_service,
            name="Горячая линия онкопсихологов",
            phone="+7 (495) 587-00-51",
            opens=datetime.time(9, 0),
            closes=datetime.time(21, 0),
        ),
    )


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The services' refusals are asserted in English; pages are requested in Russian, the default."""
    with translation.override("en"):
        yield


@pytest.fixture
def lines(clinic: Clinic) -> Lines:
    return make_lines(clinic)


@pytest.fixture
def at_noon(time_machine: Any) -> datetime.datetime:
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=MSK)


def shift(line: HotlineLine, user: Any, start: datetime.datetime, end: datetime.datetime) -> DutyShift:
    return DutyShift.objects.create(line=line, psychologist=user, starts_at=start, ends_at=end, created_by=user)


def call_input(line: HotlineLine, clinic: Clinic, **changes: Any) -> hotline.CallInput:
    values: dict[str, Any] = {
        "line": line,
        "caller_kind": "anonymous",
        "risk": "routine",
        "action_taken": "Выслушала, дала контакты группы поддержки",
        "topic": clinic.topic,
    }
    values.update(changes)
    return hotline.CallInput(**values)


def written() -> tuple[int, int, int, int, int]:
    return (
        HotlineCall.objects.count(),
        FollowUp.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
        DutyShift.objects.count(),
    )


# --- follow-ups of a call ----------------------------------------------------------------------------


def test_an_emergency_call_gives_the_duty_psychologist_a_follow_up_due_now_and_tells_them(clinic, lines, at_noon):
    clinic.colleague.email = "olga@example.ru"
    clinic.colleague.save()
    shift(lines.emergency, clinic.colleague, at(10, 8), at(10, 20))
    data = call_input(
        lines.emergency,
        clinic,
        caller_kind="citizen",
        person=clinic.patient,
        risk="emergency",
        topic=clinic.crisis_topic,
        handed_to="ambulance",
        handover_reference="103-5521",
    )

    logged = hotline.log_call(actor=Actor(clinic.psychologist), data=data)

    follow_up = logged.follow_up
    assert follow_up is not None
    assert follow_up.kind == FollowUp.Kind.EMERGENCY
    assert follow_up.assigned_to == clinic.colleague
    assert follow_up.due_at == NOW
    assert follow_up.call == logged.call
    [message] = OutboxMessage.objects.all()
    assert message.recipient == "olga@example.ru"
    assert "Экстренная психологическая помощь" in message.body and "14:00" in message.body
    assert reverse("psych:follow_ups") in message.body
    assert "Соколова" not in message.body + message.subject and "Мария" not in message.body
    assert "Выслушала" not in message.body
    entry = AuditEvent.objects.get(object_type="psych.hotlinecall", action="create")
    assert entry.details["follow_up"] == follow_up.pk and entry.details["assigned_to"] == clinic.colleague.pk
    assert entry.person_id == clinic.patient.pk
    assert "Выслушала" not in str(entry.details)
    assert list(hotline.due_follow_ups(clinic.colleague)) == [follow_up]


def test_an_emergency_call_with_nobody_on_duty_is_followed_up_by_who_took_it(clinic, lines, at_noon):
    shift(lines.emergency, clinic.colleague, at(10, 15), at(10, 20))  # not yet on duty

    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency")
    )

    assert logged.follow_up is not None
    assert logged.follow_up.assigned_to == clinic.psychologist
    assert OutboxMessage.objects.get().recipient == clinic.psychologist.username  # no address: the log


def test_the_psychologist_on_duty_who_takes_an_emergency_follows_it_up_themselves(clinic, lines, at_noon):
    shift(lines.emergency, clinic.colleague, at(10, 8), at(10, 20))
    shift(lines.emergency, clinic.psychologist, at(10, 12), at(10, 18))

    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency")
    )

    assert logged.follow_up is not None and logged.follow_up.assigned_to == clinic.psychologist


def test_an_elevated_risk_leaves_a_call_back_within_24_hours_to_who_took_it(clinic, lines, at_noon):
    shift(lines.emergency, clinic.colleague, at(10, 8), at(10, 20))

    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="elevated")
    )

    follow_up = logged.follow_up
    assert follow_up is not None and follow_up.kind == FollowUp.Kind.CALL_BACK
    assert follow_up.assigned_to == clinic.psychologist
    assert NOW < follow_up.due_at <= NOW + datetime.timedelta(hours=24)
    assert not OutboxMessage.objects.exists()


def test_a_routine_call_leaves_no_follow_up(clinic, lines, at_noon):
    logged = hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic))

    assert logged.follow_up is None
    assert not FollowUp.objects.exists() and not OutboxMessage.objects.exists()
    assert logged.call.taken_by == clinic.psychologist and logged.call.at == NOW


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"action_taken": "  "}, "action_taken", "This field is required."),
        ({"caller_kind": "citizen"}, "person", "Find the citizen who called, or choose another kind of caller."),
        ({"caller_kind": "relative"}, "caller_label", "Say how the relative introduced themselves."),
        ({"caller_label": "Мария"}, "caller_kind", "An anonymous caller has no name or citizen."),
        ({"handed_to": "ambulance"}, "handed_to", "A hand-over to emergency services is for an emergency call."),
        ({"risk": "emergency", "handover_reference": "12"}, "handed_to", "Say whom the reference number is from."),
        ({"caller_phone": "12"}, "caller_phone", "Enter a phone number, for example 8 916 123-45-67."),
        ({"at": NOW + datetime.timedelta(hours=1)}, "at", "The call cannot be in the future."),
        ({"at": NOW - datetime.timedelta(days=8)}, "at", "A call is logged within a week of it."),
        ({"topic": None}, "topic", "Choose what the call was about."),
        ({"duration_minutes": 0}, "duration_minutes", "Between 1 and 600 minutes."),
        ({"risk": "panic"}, "risk", "Choose the risk level."),
    ],
)
def test_a_refused_call_says_why_and_writes_nothing(clinic, lines, at_noon, changes, field, message):
    before = written()

    with pytest.raises(ValidationError) as refused:
        hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, **changes))

    assert message in refused.value.message_dict[field]
    assert written() == before


def test_a_psychologist_of_another_service_cannot_log_on_the_line_and_nothing_is_written(clinic, lines, at_noon):
    before = written()

    with pytest.raises(PermissionDenied):
        hotline.log_call(actor=Actor(clinic.stranger), data=call_input(lines.emergency, clinic, risk="emergency"))
    with pytest.raises(PermissionDenied):
        hotline.log_call(actor=Actor(clinic.hospital_supervisor), data=call_input(lines.emergency, clinic))

    assert written() == before


def test_a_follow_up_is_marked_done_with_its_result_on_the_version_seen(clinic, lines, at_noon):
    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="elevated")
    )
    follow_up = logged.follow_up
    assert follow_up is not None

    with pytest.raises(ValidationError) as refused:
        hotline.complete_follow_up(
            actor=Actor(clinic.psychologist), follow_up=follow_up, result=" ", expected_version=1
        )
    assert refused.value.message_dict["result"] == ["This field is required."]
    hotline.complete_follow_up(
        actor=Actor(clinic.psychologist), follow_up=follow_up, result="Перезвонила, спокойна", expected_version=1
    )

    follow_up.refresh_from_db()
    assert follow_up.done_at == NOW and follow_up.result == "Перезвонила, спокойна"
    assert list(hotline.due_follow_ups(clinic.psychologist)) == []
    with pytest.raises(ValidationError):
        hotline.complete_follow_up(
            actor=Actor(clinic.psychologist), follow_up=follow_up, result="x", expected_version=2
        )
    stale = FollowUp.objects.create(call=logged.call, kind="call_back", assigned_to=clinic.psychologist, due_at=NOW)
    with pytest.raises(ConcurrentEditError):
        hotline.complete_follow_up(actor=Actor(clinic.colleague), follow_up=stale, result="x", expected_version=7)
    with pytest.raises(PermissionDenied):
        hotline.complete_follow_up(actor=Actor(clinic.stranger), follow_up=stale, result="x", expected_version=1)


def test_the_due_count_counts_what_is_due_now(clinic, lines, at_noon):
    hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency"))
    hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="elevated"))

    assert hotline.due_follow_ups(clinic.psychologist).count() == 2
    assert hotline.due_follow_ups_count(clinic.psychologist) == 1
    assert hotline.due_follow_ups_count(clinic.hospital_supervisor) == 0


# --- the roster ----------------------------------------------------------------------------------------


def test_a_round_the_clock_line_with_a_hole_in_the_roster_has_that_gap(clinic, lines):
    shift(lines.emergency, clinic.psychologist, at(10, 8), at(10, 20))
    shift(lines.emergency, clinic.colleague, at(10, 19), at(11, 6))  # overlaps, then a hole 06:00–08:00
    shift(lines.emergency, clinic.psychologist, at(11, 8), at(11, 20))

    gaps = hotline.roster_gaps(lines.emergency, at(10, 8), at(11, 20))

    assert gaps == [(at(11, 6), at(11, 8))]
    assert hotline.roster_gaps(lines.emergency, at(10, 9), at(10, 18)) == []
    assert hotline.roster_gaps(lines.emergency, at(10, 0), at(10, 9)) == [(at(10, 0), at(10, 8))]


def test_an_empty_roster_is_one_gap_over_a_round_the_clock_line(clinic, lines):
    assert hotline.roster_gaps(lines.emergency, at(10, 0), at(17, 0)) == [(at(10, 0), at(17, 0))]


def test_a_line_with_hours_has_gaps_only_within_its_hours(clinic, lines):
    line = lines.oncology
    shift(line, clinic.onco_psychologist, at(10, 9), at(10, 21))  # Tuesday covered
    shift(line, clinic.onco_psychologist, at(11, 9), at(11, 15))  # Wednesday half

    gaps = hotline.roster_gaps(line, at(10, 0), at(13, 0))

    assert gaps == [(at(11, 15), at(11, 21)), (at(12, 9), at(12, 21))]


def test_hours_past_midnight_run_into_the_next_day(clinic, lines):
    line = lines.oncology
    line.opens, line.closes = datetime.time(20, 0), datetime.time(8, 0)
    line.save()
    shift(line, clinic.onco_psychologist, at(10, 20), at(11, 2))

    assert hotline.roster_gaps(line, at(10, 12), at(11, 12)) == [(at(11, 2), at(11, 8))]


def test_on_duty_answers_who_is_on_the_roster_at_a_moment(clinic, lines):
    shift(lines.emergency, clinic.psychologist, at(10, 8), at(10, 20))
    shift(lines.emergency, clinic.colleague, at(10, 19), at(11, 6))

    assert hotline.on_duty(lines.emergency, at(10, 19, 30)) == [clinic.psychologist, clinic.colleague]
    assert hotline.on_duty(lines.emergency, at(10, 20)) == [clinic.colleague]
    assert hotline.on_duty(lines.emergency, at(11, 7)) == []
    assert hotline.on_duty(lines.oncology, at(10, 12)) == []


def test_a_shift_is_put_on_and_journaled(clinic, lines):
    added = hotline.add_shift(
        actor=Actor(clinic.hospital_supervisor),
        line=lines.emergency,
        psychologist=clinic.colleague,
        starts_at=at(20, 8),
        ends_at=at(21, 8),
    )

    assert added.created_by == clinic.hospital_supervisor
    entry = AuditEvent.objects.get(object_type="psych.dutyshift")
    assert entry.action == "create" and entry.details == {
        "line": lines.emergency.pk,
        "psychologist": clinic.colleague.pk,
    }


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (at(20, 12), at(20, 8), "ends_at", "The shift must end after it starts."),
        (at(20, 12), at(20, 12), "ends_at", "The shift must end after it starts."),
        (at(20, 8), at(21, 8, 1), "ends_at", "A shift lasts at most 24 hours."),
        (at(20, 19), at(21, 2), "starts_at", "Ольга Смирнова is already on duty on this line 20.03 08:00–20.03 20:00."),
        (at(20, 7), at(20, 9), "starts_at", "Ольга Смирнова is already on duty on this line 20.03 08:00–20.03 20:00."),
    ],
)
def test_a_refused_shift_says_why_and_writes_nothing(clinic, lines, start, end, field, message):
    shift(lines.emergency, clinic.colleague, at(20, 8), at(20, 20))
    before = written()

    with pytest.raises(ValidationError) as refused:
        hotline.add_shift(
            actor=Actor(clinic.psychologist),
            line=lines.emergency,
            psychologist=clinic.colleague,
            starts_at=start,
            ends_at=end,
        )

    assert refused.value.message_dict[field] == [message]
    assert written() == before


def test_shifts_that_touch_or_are_anothers_do_not_clash(clinic, lines):
    shift(lines.emergency, clinic.colleague, at(20, 8), at(20, 20))

    hotline.add_shift(
        actor=Actor(clinic.psychologist), line=lines.emergency, psychologist=clinic.colleague,
        starts_at=at(20, 20), ends_at=at(21, 8),
    )  # fmt: skip
    hotline.add_shift(
        actor=Actor(clinic.psychologist), line=lines.emergency, psychologist=clinic.psychologist,
        starts_at=at(20, 8), ends_at=at(20, 20),
    )  # fmt: skip

    assert DutyShift.objects.count() == 3


def test_only_a_psychologist_of_the_lines_service_is_put_on_its_roster(clinic, lines):
    before = written()

    with pytest.raises(ValidationError) as refused:
        hotline.add_shift(
            actor=Actor(clinic.psychologist), line=lines.emergency, psychologist=clinic.onco_psychologist,
            starts_at=at(20, 8), ends_at=at(20, 20),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        hotline.add_shift(
            actor=Actor(clinic.stranger), line=lines.emergency, psychologist=clinic.colleague,
            starts_at=at(20, 8), ends_at=at(20, 20),
        )  # fmt: skip

    assert refused.value.message_dict["psychologist"] == ["Choose a psychologist of the line's service."]
    assert written() == before


def test_a_shift_is_taken_off_but_an_ended_one_stays(clinic, lines, at_noon):
    coming = shift(lines.emergency, clinic.colleague, at(11, 8), at(11, 20))
    past = shift(lines.emergency, clinic.colleague, at(9, 8), at(9, 20))

    coming_id = coming.pk
    hotline.remove_shift(actor=Actor(clinic.psychologist), shift=coming)
    before = written()
    with pytest.raises(ValidationError) as refused:
        hotline.remove_shift(actor=Actor(clinic.psychologist), shift=past)

    assert list(DutyShift.objects.all()) == [past]
    assert refused.value.messages == ["A shift that has ended stays in the roster."]
    assert written() == before
    assert AuditEvent.objects.filter(object_type="psych.dutyshift", action="delete", object_id=str(coming_id)).exists()


# --- the safety plan ---------------------------------------------------------------------------------


def test_the_safety_plan_is_not_in_the_database_in_clear(clinic, lines, at_noon):
    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency", safety_plan=PLAN)
    )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT safety_plan FROM {HotlineCall._meta.db_table} WHERE id = %s", [logged.call.pk])
        (raw,) = cursor.fetchone()
    assert raw and "сестре" not in raw and "051" not in raw
    assert hotline.read_safety_plan(actor=Actor(clinic.colleague), call=logged.call) == PLAN
    assert (
        AuditEvent.objects.filter(action="view", object_type="psych.hotlinecall", fields=["safety_plan"]).count() == 1
    )


def test_only_the_services_psychologists_read_the_safety_plan(clinic, lines, at_noon):
    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency", safety_plan=PLAN)
    )
    from django.http import Http404

    for outsider in (clinic.hospital_supervisor, clinic.city_supervisor, clinic.stranger, clinic.coordinator):
        with pytest.raises(Http404):
            hotline.read_safety_plan(actor=Actor(outsider), call=logged.call)


def test_supervisors_see_that_a_safety_plan_exists_never_its_text_nor_the_caller(client, clinic, lines, at_noon):
    logged = hotline.log_call(
        actor=Actor(clinic.psychologist),
        data=call_input(
            lines.emergency, clinic, caller_kind="citizen", person=clinic.patient, risk="emergency", safety_plan=PLAN
        ),
    )
    pages = [
        reverse("psych:call_detail", args=[logged.call.pk]),
        reverse("psych:call_detail", args=[logged.call.pk]) + "?plan=1",
        reverse("psych:call_log"),
        reverse("psych:hotline"),
    ]
    for supervisor in (clinic.hospital_supervisor, clinic.city_supervisor):
        client.force_login(supervisor)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            text = response.content.decode()
            assert "сестре" not in text and "Соколова" not in text and "Выслушала" not in text, page
        detail = client.get(pages[0]).content.decode()
        assert "A safety plan is recorded; only the psychologists of the service read it." in detail or (
            "План безопасности записан; его читают только психологи службы." in detail
        )
    assert not AuditEvent.objects.filter(action="view", fields=["safety_plan"]).exists()


def test_the_psychologist_opens_the_safety_plan_on_the_call_page_and_the_read_is_journaled(
    client, clinic, lines, at_noon
):
    logged = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency", safety_plan=PLAN)
    )
    client.force_login(clinic.colleague)
    page = reverse("psych:call_detail", args=[logged.call.pk])

    assert "сестре" not in client.get(page).content.decode()
    shown = client.get(page + "?plan=1").content.decode()

    assert "Позвонить сестре Ольге" in shown
    assert AuditEvent.objects.filter(action="view", fields=["safety_plan"], actor=clinic.colleague).count() == 1


def test_a_safety_plan_recorded_later_is_encrypted_too(clinic, lines, at_noon):
    logged = hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic))

    hotline.record_safety_plan(actor=Actor(clinic.colleague), call=logged.call, text=PLAN, expected_version=1)

    raw = HotlineCall.objects.values_list("safety_plan", flat=True).get(pk=logged.call.pk)
    assert "сестре" not in raw
    assert hotline.read_safety_plan(actor=Actor(clinic.psychologist), call=logged.call) == PLAN
    with pytest.raises(ConcurrentEditError):
        hotline.record_safety_plan(actor=Actor(clinic.colleague), call=logged.call, text="x", expected_version=1)


def test_a_handover_is_recorded_later_for_an_emergency_call_only(clinic, lines, at_noon):
    emergency = hotline.log_call(
        actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="emergency")
    ).call
    routine = hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic)).call

    hotline.record_handover(
        actor=Actor(clinic.psychologist), call=emergency, handed_to="psychiatric", reference="П-77", expected_version=1
    )
    with pytest.raises(ValidationError) as refused:
        hotline.record_handover(
            actor=Actor(clinic.psychologist), call=routine, handed_to="police", reference="", expected_version=1
        )

    emergency.refresh_from_db()
    routine.refresh_from_db()
    assert (emergency.handed_to, emergency.handover_reference, emergency.version) == ("psychiatric", "П-77", 2)
    assert routine.handed_to == "" and routine.version == 1
    assert refused.value.message_dict["handed_to"] == ["A hand-over to emergency services is for an emergency call."]


# --- who sees which calls; the figures -----------------------------------------------------------


def test_calls_are_seen_by_their_service_and_the_city_supervisor(clinic, lines, at_noon):
    ours = hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic)).call
    theirs = hotline.log_call(actor=Actor(clinic.onco_psychologist), data=call_input(lines.oncology, clinic)).call

    assert list(hotline.visible_calls(clinic.colleague)) == [ours]
    assert list(hotline.visible_calls(clinic.hospital_supervisor)) == [ours]
    assert set(hotline.visible_calls(clinic.city_supervisor)) == {ours, theirs}
    assert list(hotline.visible_calls(clinic.onco_psychologist)) == [theirs]
    for nobody in (clinic.stranger, clinic.coordinator, clinic.operator, clinic.administrator):
        assert not hotline.visible_calls(nobody).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        hotline.get_visible_call(clinic.stranger, ours.pk)
    with pytest.raises(PermissionDenied):
        hotline.get_visible_call(clinic.coordinator, ours.pk)


def test_calls_by_risk_counts_per_level_within_the_period_and_services(clinic, lines, at_noon, time_machine):
    actor = Actor(clinic.psychologist)
    hotline.log_call(actor=actor, data=call_input(lines.emergency, clinic, risk="emergency"))
    hotline.log_call(actor=actor, data=call_input(lines.emergency, clinic, risk="elevated"))
    hotline.log_call(actor=actor, data=call_input(lines.emergency, clinic))
    hotline.log_call(actor=Actor(clinic.onco_psychologist), data=call_input(lines.oncology, clinic, risk="emergency"))
    hotline.log_call(actor=actor, data=call_input(lines.emergency, clinic, at=NOW - datetime.timedelta(days=2)))
    start, end = NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(hours=1)

    assert hotline.calls_by_risk(None, start, end) == {"routine": 1, "elevated": 1, "emergency": 2}
    assert hotline.calls_by_risk([clinic.hospital.pk], start, end) == {"routine": 1, "elevated": 1, "emergency": 1}
    assert hotline.calls_by_risk([clinic.other_hospital.pk], start, end) == {
        "routine": 0,
        "elevated": 0,
        "emergency": 0,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT risk, COUNT(*) FROM {HotlineCall._meta.db_table} WHERE at >= %s AND at < %s GROUP BY risk",
            [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)],
        )
        assert dict(cursor.fetchall()) == {"routine": 1, "elevated": 1, "emergency": 2}


# --- the pages -------------------------------------------------------------------------------------------


def test_the_psychologist_logs_an_emergency_call_on_the_page_and_finds_the_follow_up(client, clinic, lines, at_noon):
    client.force_login(clinic.psychologist)
    form = client.get(reverse("psych:call_new") + f"?person={clinic.patient.pk}")
    assert form.status_code == 200 and "Соколова Мария Петровна" in form.content.decode()

    response = client.post(
        reverse("psych:call_new"),
        {
            "line": lines.emergency.pk,
            "at": "2026-03-10T13:55",
            "caller_kind": "citizen",
            "person": clinic.patient.pk,
            "topic": clinic.crisis_topic.pk,
            "risk": "emergency",
            "action_taken": "Вызвала бригаду",
            "handed_to": "ambulance",
            "handover_reference": "103-1",
            "safety_plan": PLAN,
        },
    )

    call = HotlineCall.objects.get()
    assert response.status_code == 302 and response.url == reverse("psych:call_detail", args=[call.pk])
    assert call.person == clinic.patient and call.at == at(10, 13, 55) and call.handed_to == "ambulance"
    follow_ups = client.get(reverse("psych:follow_ups")).content.decode()
    assert f"№ {call.pk}" in follow_ups
    follow_up = FollowUp.objects.get()
    done = client.post(
        reverse("psych:follow_up_done", args=[follow_up.pk]),
        {f"f{follow_up.pk}-version": 1, f"f{follow_up.pk}-result": "Жива, в больнице"},
    )
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.result == "Жива, в больнице"


def test_a_refused_call_form_keeps_the_input_and_says_why(client, clinic, lines, at_noon):
    client.force_login(clinic.psychologist)

    response = client.post(
        reverse("psych:call_new"),
        {"line": lines.emergency.pk, "caller_kind": "citizen", "topic": clinic.topic.pk, "risk": "routine",
         "action_taken": "Поговорили"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Поговорили" in response.content.decode()
    assert not HotlineCall.objects.exists()


def test_the_roster_page_warns_of_a_gap_and_puts_a_psychologist_on_duty(client, clinic, lines, at_noon):
    shift(lines.emergency, clinic.colleague, at(10, 8), at(11, 8))
    client.force_login(clinic.psychologist)
    page = reverse("psych:line_roster", args=[lines.emergency.pk])

    text = client.get(page).content.decode()
    assert 'data-testid="roster-gaps"' in text
    assert "11.03 08:00" in text  # the gap starts when the colleague's shift ends
    response = client.post(
        reverse("psych:shift_add", args=[lines.emergency.pk]),
        {"psychologist": clinic.psychologist.pk, "starts_at": "2026-03-11T08:00", "ends_at": "2026-03-11T20:00"},
    )
    assert response.status_code == 302
    assert DutyShift.objects.filter(psychologist=clinic.psychologist, starts_at=at(11, 8)).exists()
    hotline_page = client.get(reverse("psych:hotline")).content.decode()
    assert "11.03 20:00" in hotline_page and "Ольга" in hotline_page


def test_a_refused_shift_on_the_page_says_why(client, clinic, lines, at_noon):
    client.force_login(clinic.psychologist)

    response = client.post(
        reverse("psych:shift_add", args=[lines.emergency.pk]),
        {"psychologist": clinic.colleague.pk, "starts_at": "2026-03-11T20:00", "ends_at": "2026-03-11T08:00"},
        follow=True,
    )

    assert not DutyShift.objects.exists()
    assert "Смена должна заканчиваться позже, чем начинается." in response.content.decode() or (
        "The shift must end after it starts." in response.content.decode()
    )


def test_the_roster_of_another_service_is_not_found(client, clinic, lines):
    client.force_login(clinic.psychologist)

    assert client.get(reverse("psych:line_roster", args=[lines.oncology.pk])).status_code == 404
    assert client.get(reverse("psych:line_roster", args=[999999])).status_code == 404


def test_the_call_log_filters_by_line_and_risk_and_ignores_nonsense(client, clinic, lines, at_noon):
    hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic, risk="elevated"))
    hotline.log_call(actor=Actor(clinic.psychologist), data=call_input(lines.emergency, clinic))
    client.force_login(clinic.city_supervisor)
    log = reverse("psych:call_log")

    assert client.get(log, {"risk": "elevated"}).content.decode().count('data-testid="call-row"') == 1
    assert client.get(log, {"line": lines.oncology.pk}).content.decode().count('data-testid="call-row"') == 0
    assert client.get(log, {"line": "9" * 30, "risk": "x"}).content.decode().count('data-testid="call-row"') == 2


def test_finding_the_caller_on_the_call_page_is_journaled_as_a_search(client, clinic, lines, at_noon):
    client.force_login(clinic.psychologist)

    response = client.get(reverse("psych:call_new"), {"q": "Соколова Мария"})

    assert "Соколова Мария Петровна" in response.content.decode()
    entry = AuditEvent.objects.get(action="search")
    assert entry.details["search_level"] == [clinic.patient.pk]
    assert "Соколова" not in str(entry.details)
