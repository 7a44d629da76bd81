"""The oncology navigation panel: every figure equals a SQL count over the same rows."""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from core.actor import Actor
from directory.models import Organisation
from navigation import appointments, journeys, services
from navigation.models import Appointment, CallTask, Journey, JourneyStep, Referral, Reminder
from navigation.selectors import worklist
from navigation.tests.conftest import Clinic, build_clinic, referral_input
from people.models import PersonPhone
from people.tests.factories import OrganisationFactory, PersonFactory, PhoneFactory
from reports.figures import navigation as navigation_figures
from reports.periods import period
from scheduling.models import Booking, Resource, Slot
from scheduling.workdays import working_days_between

pytestmark = pytest.mark.django_db
TABLE = Referral._meta.db_table


def _sql(query: str, *params) -> int:
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


@pytest.fixture
def clinic(db):
    k = build_clinic()
    actor = Actor(k.assistant)
    for n in range(6):
        person = PersonFactory(district=k.patient.district) if n % 2 else PersonFactory()
        referral = services.register_referral(actor=actor, person=person, data=referral_input(k))
        if n < 3:
            services.enrol(actor=actor, referral=referral, reminders_by="sms", evidence="подпись", expected_version=1)
        elif n < 5:
            services.record_refusal(actor=actor, referral=referral, reason="не хочет", expected_version=1)
    return k


def test_the_figures_equal_sql_counts(clinic):
    when = period("today")
    f = navigation_figures.navigation_figures(clinic.supervisor, None, when)
    assert (
        f.registered
        == _sql(f"SELECT COUNT(*) FROM {TABLE} WHERE created_at >= %s AND created_at <= %s", when.start, when.end)
        == 6
    )
    answered = (
        f"SELECT COUNT(*) FROM {TABLE} WHERE consent_recorded_at >= %s AND consent_recorded_at <= %s AND consent = %s"
    )
    assert f.agreed == _sql(answered, when.start, when.end, "given") == 3
    assert f.refused == _sql(answered, when.start, when.end, "refused") == 2
    assert f.waiting == 1 and f.consent_rate == 60.0
    assert sum(c.active for c in f.caseloads) == 3
    assert {c.capacity for c in f.caseloads} <= {2, 3}
    assert [(p.registered, p.agreed, p.refused) for p in f.polyclinics] == [(6, 3, 2)]


def test_an_assistant_counts_their_own_and_roles_outside_the_programme_get_no_panel(clinic):
    mine = navigation_figures.navigation_figures(clinic.colleague, None, period("today"))
    assert mine.registered == mine.agreed == sum(c.active for c in mine.caseloads) == 2  # the two patients they assist
    assert navigation_figures.navigation_figures(clinic.stranger, None, period("today")).registered == 0
    for user in (clinic.operator, clinic.coordinator, clinic.volunteer):
        assert navigation_figures.panel(user, None, period("today")) is None


def test_a_tcso_narrows_to_its_districts(clinic):
    tcso = OrganisationFactory(kind="tcso")
    tcso.districts.add(clinic.patient.district_id)
    f = navigation_figures.navigation_figures(clinic.supervisor, tcso, period("today"))
    assert f.registered == 3


def test_the_dashboard_shows_the_navigation_section_to_a_supervisor(clinic):
    client = Client()
    client.force_login(clinic.supervisor)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="navigation-registered">6<' in body and "60,0 %" in body


# --- the patients' way (issue 14, §5): a month of journeys with known dates --------------------------------

MOSCOW = ZoneInfo("Europe/Moscow")
D = datetime.date
# Friday 26 March 2027, noon; the 30 days run from Thursday 25 February. 23 February and 8 March are holidays.
NOW = datetime.datetime(2027, 3, 26, 12, 0, tzinfo=MOSCOW)


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2027, month, day, hour, 0, tzinfo=MOSCOW)


@dataclass
class Way:
    clinic: Clinic
    j1: Journey  # the patient of the clinic's district: oncologist on time, on 3 March at a booked visit
    j2: Journey  # oncologist late (10 March), CT on time, diagnosis on 18 March, its steps open and late now
    j3: Journey  # referred in February: seen and tested before the period, diagnosis, board and treatment in it
    j4: Journey  # the other polyclinic, reminded by calls, missed the visit, seen on 5 March; the clinic's district
    j5: Journey  # referred on 15 March, not seen yet: late now


def _enrol(clinic: Clinic, on: D, person=None, polyclinic=None, reminders_by: str = "sms") -> Journey:
    person = person or PersonFactory()
    if reminders_by == "sms" and not person.phones.filter(kind=PersonPhone.Kind.MOBILE).exists():
        PhoneFactory(person=person, kind=PersonPhone.Kind.MOBILE)
    with time_machine.travel(datetime.datetime.combine(on, datetime.time(9), tzinfo=MOSCOW), tick=False):
        data = referral_input(clinic, referred_on=on, **({"polyclinic": polyclinic} if polyclinic else {}))
        referral = services.register_referral(actor=Actor(clinic.assistant), person=person, data=data)
        return services.enrol(
            actor=Actor(clinic.assistant),
            referral=referral,
            reminders_by=reminders_by,
            evidence="устно",
            expected_version=1,
        )


def _fresh(journey: Journey) -> Journey:
    return Journey.objects.get(pk=journey.pk)


def _complete(journey: Journey, milestone: str, on: D) -> None:
    step = JourneyStep.objects.get(journey=journey, milestone=milestone, status="open")
    with time_machine.travel(datetime.datetime.combine(on, datetime.time(18), tzinfo=MOSCOW), tick=False):
        journeys.complete_step(
            actor=Actor(_fresh(journey).assistant), step=step, done_on=on, expected_version=step.version
        )


def _move(journey: Journey, to: str, on: D, **extra) -> None:
    journey = _fresh(journey)
    with time_machine.travel(datetime.datetime.combine(on, datetime.time(18), tzinfo=MOSCOW), tick=False):
        journeys.move_stage(
            actor=Actor(journey.assistant),
            journey=journey,
            to=to,
            began_on=on,
            expected_version=journey.version,
            **extra,
        )


def _book(journey: Journey, resource: Resource, starts_at: datetime.datetime, kind: str, booked_at) -> Appointment:
    slot = Slot.objects.create(
        resource=resource, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(minutes=30)
    )
    journey = _fresh(journey)
    with time_machine.travel(booked_at, tick=False):
        return appointments.book_appointment(actor=Actor(journey.assistant), journey=journey, slot=slot, kind=kind)


def _outcome(appointment: Appointment, outcome: str, when: datetime.datetime) -> None:
    appointment = Appointment.objects.get(pk=appointment.pk)
    with time_machine.travel(when, tick=False):
        appointments.record_outcome(
            actor=Actor(appointment.journey.assistant),
            appointment=appointment,
            outcome=outcome,
            result="",
            expected_version=appointment.version,
        )


def _sweep(when: datetime.datetime) -> int:
    with time_machine.travel(when, tick=False):
        return appointments.send_due_reminders()


def _call(journey: Journey, kind: str, when: datetime.datetime) -> None:
    task = CallTask.objects.filter(journey=journey, kind=kind, done_at__isnull=True).order_by("pk").first()
    assert task is not None
    with time_machine.travel(when, tick=False):
        journeys.finish_call(
            actor=Actor(_fresh(journey).assistant), task=task, result="поговорили", expected_version=task.version
        )


def build_way(clinic: Clinic) -> Way:
    """Every date below is chosen so the expected figures can be counted by hand (see the test)."""
    centre = OrganisationFactory(name=f"ЦАОП {clinic.polyclinic.pk}", kind=Organisation.Kind.ONCOLOGY_CENTRE)
    oncologist = Resource.objects.create(
        organisation=centre, kind=Resource.Kind.SPECIALTY, code="oncologist", name="Онколог"
    )
    ct = Resource.objects.create(organisation=centre, kind=Resource.Kind.DEVICE, code="ct", name="КТ")
    # February: all of j3 before the period, up to the diagnosis on Friday 26 February.
    j3 = _enrol(clinic, D(2027, 2, 1))
    _call(j3, "welcome", at(2, 1, 10))
    a3 = _book(j3, oncologist, at(2, 3, 10), "oncologist", at(2, 1, 10))
    assert _sweep(at(2, 2, 10)) == _sweep(at(2, 3, 8)) == 1
    _outcome(a3, "attended", at(2, 3))
    _move(j3, "diagnostics", D(2027, 2, 3))
    _complete(j3, "diagnostics", D(2027, 2, 19))
    _move(j3, "diagnosis", D(2027, 2, 26), diagnosis_result="confirmed")
    # March.
    j1 = _enrol(clinic, D(2027, 3, 1), person=clinic.patient)
    j2 = _enrol(clinic, D(2027, 3, 1))
    _call(j1, "welcome", at(3, 1, 10))
    a1 = _book(j1, oncologist, at(3, 3, 10), "oncologist", at(3, 1, 10))
    _complete(j3, "tumour_board", D(2027, 3, 2))  # due 5 March: on time
    assert _sweep(at(3, 2, 10)) == 1
    assert _sweep(at(3, 3, 8)) == 1
    j4 = _enrol(
        clinic,
        D(2027, 3, 3),
        person=PersonFactory(district=clinic.patient.district),
        polyclinic=clinic.other_polyclinic,
        reminders_by="call",
    )
    a4 = _book(j4, oncologist, at(3, 4, 10), "oncologist", at(3, 3, 9))
    assert _sweep(at(3, 3, 10)) == 1  # a call task instead of an SMS
    _call(j4, "reminder", at(3, 3, 11))
    _outcome(a1, "attended", at(3, 3))
    assert _sweep(at(3, 4, 8)) == 1
    _outcome(a4, "missed", at(3, 4))
    _complete(j3, "dispensary", D(2027, 3, 4))  # due 3 March: late
    _complete(j4, "oncologist", D(2027, 3, 5))  # due 9 March: on time
    _call(j4, "missed_visit", at(3, 5))
    _move(j3, "treatment", D(2027, 3, 5))  # the start of treatment was due on 10 March
    _complete(j2, "oncologist", D(2027, 3, 10))  # due 4 March: late
    _move(j2, "diagnostics", D(2027, 3, 10))
    a2 = _book(j2, ct, at(3, 17, 10), "ct", at(3, 10, 18))
    j5 = _enrol(clinic, D(2027, 3, 15))
    _call(j5, "welcome", at(3, 15, 10))
    # The sweep was stopped: both reminders of the CT are due at once, only the later one goes.
    assert _sweep(at(3, 17, 9)) == 1
    _outcome(a2, "attended", at(3, 17))  # the tests were due on 19 March: on time
    _move(j2, "diagnosis", D(2027, 3, 18), diagnosis_result="confirmed")
    # A step added by hand has no target time: done late, it is not counted against the target.
    JourneyStep.objects.create(
        journey=j1,
        stage="suspicion",
        milestone="diagnostics",
        title="Биопсия",
        counted_from=D(2027, 3, 3),
        due_on=D(2027, 3, 12),
        status="done",
        done_on=D(2027, 3, 22),
    )
    return Way(clinic, *(_fresh(j) for j in (j1, j2, j3, j4, j5)))


@pytest.fixture
def way(db) -> Way:
    return build_way(build_clinic())


def _rows(query: str, *params) -> list[tuple]:
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchall()


def _day(value) -> D:
    return value if isinstance(value, D) else D.fromisoformat(str(value))


JOURNEY, CASE, STEP = Journey._meta.db_table, Case._meta.db_table, JourneyStep._meta.db_table
ORGANISATION, USER = Organisation._meta.db_table, User._meta.db_table
# The polyclinic's name and the assistant's name of a journey aliased j.
GROUPS = (
    f"JOIN {CASE} c ON c.id = j.case_id JOIN {ORGANISATION} o ON o.id = c.organisation_id "
    f"JOIN {USER} u ON u.id = j.assistant_id"
)
GROUP_COLUMNS = "o.name, TRIM(u.first_name || ' ' || u.last_name)"


def _split(rows: list[tuple], value) -> dict[str, Counter]:
    """SQL rows ending with (polyclinic, assistant) tallied for the whole, each polyclinic, each assistant."""
    tallies: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        *_, polyclinic, assistant = row
        for key in ("", polyclinic, assistant):
            tallies[key].update(value(row))
    return tallies


def _medians(field: str, when) -> dict[str, tuple[float, int]]:
    rows = _rows(
        f"SELECT r.referred_on, j.{field}, {GROUP_COLUMNS} FROM {JOURNEY} j "
        f"JOIN {Referral._meta.db_table} r ON r.case_id = j.case_id {GROUPS} WHERE j.{field} >= %s AND j.{field} <= %s",
        timezone.localdate(when.start),
        timezone.localdate(when.end),
    )
    days: dict[str, list[int]] = defaultdict(list)
    for referred_on, reached, polyclinic, assistant in rows:
        for key in ("", polyclinic, assistant):
            days[key].append(working_days_between(_day(referred_on), _day(reached)))
    return {key: (float(statistics.median(values)), len(values)) for key, values in days.items()}


def _groups(f) -> dict[str, navigation_figures.JourneyFigures]:
    found = {"": f.journey}
    for g in f.journey_by_polyclinic + f.journey_by_assistant:
        found[g.name] = g
    return found


def test_the_patients_way_equals_sql_counts_and_the_dates_counted_by_hand(way):
    when = period("30d", now=NOW)
    with time_machine.travel(NOW, tick=False):
        f = navigation_figures.navigation_figures(way.clinic.supervisor, None, when)
    figures = _groups(f)
    assert len(f.journey_by_polyclinic) == 2 and len(f.journey_by_assistant) == 3

    # Days from the referral, in working days: 1 → 3 March is 2, 1 → 10 March is 6 (8 March is a holiday),
    # 3 → 5 March is 2; the diagnoses 1 Feb → 26 Feb (18, 23 February off) and 1 → 18 March (12); treatment 23.
    for field, name, by_hand in (
        ("oncologist_seen_on", "to_oncologist", (2.0, 3)),
        ("diagnosed_on", "to_diagnosis", (15.0, 2)),
        ("treatment_started_on", "to_treatment", (23.0, 1)),
    ):
        expected = _medians(field, when)
        assert expected[""] == by_hand
        assert {key: (getattr(g, name).median, getattr(g, name).counted) for key, g in figures.items()} == {
            key: expected.get(key, (None, 0)) for key in figures
        }

    # Steps within their target time, done in the period, and late now (the last working day is today).
    first, last = timezone.localdate(when.start), timezone.localdate(when.end)
    targeted = "s.target_working_days IS NOT NULL AND s.milestone IN ({})".format(
        ", ".join(f"'{m}'" for m in navigation_figures.TARGETED)
    )
    done = _split(
        _rows(
            f"SELECT s.milestone, s.done_on <= s.due_on, {GROUP_COLUMNS} FROM {STEP} s JOIN {JOURNEY} j "
            f"ON j.case_id = s.journey_id {GROUPS} WHERE {targeted} AND s.status = 'done' AND s.done_on >= %s "
            "AND s.done_on <= %s",
            first,
            last,
        ),
        lambda row: [row[0]] + ([f"{row[0]}:on time"] if row[1] else []),
    )
    late = _split(
        _rows(
            f"SELECT s.milestone, {GROUP_COLUMNS} FROM {STEP} s JOIN {JOURNEY} j ON j.case_id = s.journey_id {GROUPS} "
            f"WHERE {targeted} AND s.status = 'open' AND s.due_on < %s",
            D(2027, 3, 26),
        ),
        lambda row: [row[0]],
    )
    for key, g in figures.items():
        assert [(t.milestone, t.done, t.on_time, t.overdue) for t in g.targets] == [
            (m, done[key][m], done[key][f"{m}:on time"], late[key][m]) for m in navigation_figures.TARGETED
        ]
    by_hand = [
        ("oncologist", 3, 2, 1),
        ("diagnostics", 1, 1, 0),  # the step added by hand, late, is not among them
        ("tumour_board", 1, 1, 1),
        ("dispensary", 1, 0, 1),
        ("treatment_start", 1, 1, 0),
    ]
    assert [(t.milestone, t.done, t.on_time, t.overdue) for t in f.journey.targets] == by_hand
    assert f.journey.oncologist.share == 66.7 and f.journey.oncologist.target == 3

    # Reminders sent (the one closed unsent is not), calls made, visits.
    reminders = _split(
        _rows(
            f"SELECT m.channel, {GROUP_COLUMNS} FROM {Reminder._meta.db_table} m "
            f"JOIN {Appointment._meta.db_table} a ON a.id = m.appointment_id "
            f"JOIN {JOURNEY} j ON j.case_id = a.journey_id "
            f"{GROUPS} WHERE m.sent_at >= %s AND m.sent_at <= %s "
            "AND (m.outbox_message_id IS NOT NULL OR m.call_task_id IS NOT NULL)",
            when.start,
            when.end,
        ),
        lambda row: [row[0]],
    )
    calls = _split(
        _rows(
            f"SELECT t.kind, {GROUP_COLUMNS} FROM {CallTask._meta.db_table} t "
            f"JOIN {JOURNEY} j ON j.case_id = t.journey_id "
            f"{GROUPS} WHERE t.done_at >= %s AND t.done_at <= %s",
            when.start,
            when.end,
        ),
        lambda row: [row[0]],
    )
    visits = _split(
        _rows(
            f"SELECT a.status, {GROUP_COLUMNS} FROM {Appointment._meta.db_table} a "
            f"JOIN {Booking._meta.db_table} b ON b.id = a.booking_id "
            f"JOIN {Slot._meta.db_table} sl ON sl.id = b.slot_id "
            f"JOIN {JOURNEY} j ON j.case_id = a.journey_id {GROUPS} "
            "WHERE sl.starts_at >= %s AND sl.starts_at <= %s AND a.status IN ('attended', 'missed')",
            when.start,
            when.end,
        ),
        lambda row: [row[0]],
    )
    for key, g in figures.items():
        assert g.reminders == {"sms": reminders[key]["sms"], "call": reminders[key]["call"]}
        assert g.calls == {kind: calls[key][kind] for kind in CallTask.Kind.values}
        assert (g.attended, g.missed) == (visits[key]["attended"], visits[key]["missed"])
    assert f.journey.reminders == {"sms": 3, "call": 2} and f.journey.reminders_sent == 5
    assert (
        Reminder.objects.filter(sent_at__isnull=False, outbox_message__isnull=True, call_task__isnull=True).count() == 1
    )
    assert f.journey.calls == {**dict.fromkeys(CallTask.Kind.values, 0), "reminder": 1, "missed_visit": 1, "welcome": 2}
    assert (f.journey.attended, f.journey.missed, f.journey.missed_rate) == (2, 1, 33.3)
    other = figures[way.clinic.other_polyclinic.name]
    assert (other.to_oncologist.values, other.missed_rate, other.reminders) == ([2], 100.0, {"sms": 0, "call": 2})


def test_a_step_due_on_friday_is_late_from_monday_as_the_worklist_says(way):
    journey = _enrol(way.clinic, D(2027, 3, 23))  # Tuesday: the oncologist is due on Friday 26 March
    assert JourneyStep.objects.get(journey=journey).due_on == D(2027, 3, 26)
    for now, overdue in ((at(3, 27), 1), (at(3, 28), 1), (at(3, 29, 9), 2)):  # Saturday, Sunday, Monday
        with time_machine.travel(now, tick=False):
            f = navigation_figures.navigation_figures(way.clinic.supervisor, None, period("today", now=now))
            mine = navigation_figures.navigation_figures(journey.assistant, None, period("today", now=now))
            late = [s for s in worklist(journey.assistant).late if s.step.milestone == "oncologist"]
        assert f.journey.oncologist.overdue == overdue  # j5's and, from Monday, this one
        assert mine.journey.oncologist.overdue == len(late)


def test_an_assistant_counts_their_own_patients_way_and_a_tcso_its_districts(way):
    when = period("30d", now=NOW)
    with time_machine.travel(NOW, tick=False):
        whole = navigation_figures.navigation_figures(way.clinic.supervisor, None, when)
        for journey in (way.j1, way.j4):
            mine = navigation_figures.navigation_figures(journey.assistant, None, when)
            [theirs] = [g for g in whole.journey_by_assistant if g.name == mine.journey_by_assistant[0].name]
            assert len(mine.journey_by_assistant) == 1 and replace(mine.journey, name=theirs.name) == theirs
        tcso = OrganisationFactory(kind="tcso")
        tcso.districts.add(way.clinic.patient.district_id)
        district = navigation_figures.navigation_figures(way.clinic.supervisor, tcso, when)
    # j1 and j4 live in the TCSO's districts: seen on day 2 both, one missed visit of two, 2 SMS and 2 calls.
    assert (district.journey.to_oncologist.values, district.journey.to_diagnosis.counted) == ([2, 2], 0)
    assert (district.journey.visits, district.journey.missed, district.journey.reminders) == (
        2,
        1,
        {"sms": 2, "call": 2},
    )
    assert [g.name for g in district.journey_by_polyclinic] == sorted(
        [way.clinic.polyclinic.name, way.clinic.other_polyclinic.name]
    )


# The user's roles; referrals, answers, caseloads and capacities (7); the way of the patients (5: milestone
# dates, steps, reminders, calls, visits); the production calendar when this process's copy is stale.
QUERIES = 1 + 7 + 5 + 1


def _render(user, now: datetime.datetime) -> str:
    with time_machine.travel(now, tick=False):
        panel = navigation_figures.panel(user, None, period("30d", now=now))
        assert panel is not None
        return render_to_string(panel.cards, panel.context) + render_to_string(panel.details, panel.context)


def test_the_panel_takes_the_same_number_of_queries_for_twice_the_journeys(way, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES):
        once = _render(way.clinic.supervisor, NOW)
    for pk, name in Organisation.objects.values_list("pk", "name"):  # the names of the second clinic are free
        Organisation.objects.filter(pk=pk).update(name=f"{name} (первая)")
    build_way(build_clinic())  # two more polyclinics, three more assistants, five more journeys
    with django_assert_max_num_queries(QUERIES):
        twice = _render(way.clinic.supervisor, NOW)
    # Two tables, a row per assistant in each.
    assert once.count("<tr data-way-assistant=") == 2 * 3 and twice.count("<tr data-way-assistant=") == 2 * 6


def test_the_dashboard_shows_the_way_of_the_patients(way):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.force_login(way.clinic.supervisor)
        body = client.get(reverse("reports:dashboard"), {"period": "30d"}).content.decode()
    assert 'data-figure="navigation-to-oncologist">2<' in body
    assert 'data-figure="navigation-oncologist-on-time">66,7 %<' in body
    assert 'data-figure="navigation-oncologist-overdue">1<' in body
    assert 'data-figure="navigation-reminders">5<' in body
    assert 'data-figure="navigation-missed">33,3 %<' in body
    assert body.count(f'data-way-polyclinic="{way.clinic.other_polyclinic.name}"') == 2
