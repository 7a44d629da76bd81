"""The slot benchmarks' code at a tiny size (bench/ is not a package and not in testpaths), so that it
cannot rot: the data builder, the search step, the booking race, and the report around them."""

import datetime
import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import run as bench_run  # noqa: E402
import slots  # noqa: E402
import slots_measure  # noqa: E402

from navigation import appointments  # noqa: E402
from navigation.models import Appointment, Journey  # noqa: E402
from people.models import Person  # noqa: E402
from scheduling import workdays  # noqa: E402
from scheduling.models import Booking, Slot  # noqa: E402

DAYS = 12
# A working day's slots at the tiny size: 4 oncologists (09-18, 20 min), 2 CT (08-20, 30 min), 2 MRI (08-20, 40 min).
PER_WORKING_DAY = 4 * 27 + 2 * 24 + 2 * 18


@pytest.fixture
def reference(db: None) -> None:
    call_command("load_reference", stdout=io.StringIO())


def _working_days(days: int) -> int:
    today = timezone.localdate()
    return sum(workdays.is_working_day(today + datetime.timedelta(days=n)) for n in range(days))


def test_the_booked_share_is_high_for_two_months_and_thins_out():
    share = slots_measure.booked_share
    assert share(0) == share(59) == 0.75
    assert 0.15 < share(120) < 0.75
    assert share(180) == pytest.approx(0.15)
    assert share(400) == 0.02


def test_the_builder_makes_the_facilities_resources_slots_and_bookings_once(reference):
    built = slots_measure.build(4, DAYS, patients=30)
    assert built["seeded"] is True
    assert built["by_kind"] == {"polyclinic": 2, "hospital": 1, "oncology_centre": 1}
    assert built["resources"] == {"oncologist": 4, "ct": 2, "mri": 2}
    assert built["slots"] == _working_days(DAYS) * PER_WORKING_DAY == Slot.objects.count()
    held = Booking.objects.filter(status="booked").count()
    assert built["bookings_held"] == held and 0.6 < held / built["slots"] < 0.9
    assert Booking.objects.filter(status="cancelled").exists()
    assert Person.objects.filter(district__isnull=False).count() == built["patients"] == 30
    again = slots_measure.build(4, DAYS, patients=30)
    assert again["seeded"] is False and again["slots"] == built["slots"] and Slot.objects.count() == built["slots"]
    assert slots_measure.is_current(4, DAYS) is True and slots_measure.is_current(5, DAYS) is False


def test_the_search_step_finds_only_free_slots_and_says_how_it_ran(reference):
    slots_measure.build(4, DAYS, patients=30)
    person = Person.objects.filter(district__isnull=False).first()
    found = appointments.search_slots("oncologist", person, limit=50)
    assert len(found) == 50
    assert [s.starts_at for s in found] == sorted(s.starts_at for s in found)
    assert not Booking.objects.filter(slot__in=found, status="booked").exists()
    measured = slots_measure.measure_search(20)
    assert measured["search"]["n"] == measured["baseline_pk_read"]["n"] == 20
    assert measured["mean_found"] > 0 and "scheduling_slot" in measured["plan"]


@pytest.mark.django_db(transaction=True)
def test_of_four_clients_booking_one_slot_at_once_exactly_one_wins_every_round(reference):
    slots_measure.build(4, DAYS, patients=30)
    raced = slots_measure.race(rounds=3, clients=4)
    assert raced["rounds_one_winner"] == 3 and raced["winners"] == 3 and raced["slots_held_once"] == 3
    assert raced["refusals"] == 9 and raced["other_errors"] == 0, raced["error_samples"]
    assert Appointment.objects.count() == 3
    racers = Journey.objects.filter(assistant__username__startswith="bench-pa-")
    assert racers.count() == 4 and racers.values("assistant").distinct().count() == 4


def _results(p99_ms: float) -> dict:
    data = {
        "seeded": True,
        "seconds": 10.0,
        "facilities": 4,
        "by_kind": {"polyclinic": 2, "hospital": 1, "oncology_centre": 1},
        "okrugs": 3,
        "resources": {"oncologist": 4, "ct": 2, "mri": 2},
        "slots": 1000,
        "bookings_held": 700,
        "booked_share_first_60_days": 0.7,
        "first_day": "2026-12-07",
        "last_day": "2026-12-18",
        "patients": 30,
    }
    stats = {"n": 20, "median_ms": 2.0, "p99_ms": p99_ms, "max_ms": p99_ms + 1}
    search = {"queries": 20, "limit": 50, "baseline_pk_read": {**stats, "median_ms": 0.5, "p99_ms": 0.6},
              "search": stats, "mean_found": 50.0, "plan": "SEARCH scheduling_slot"}  # fmt: skip
    race = {"clients": 4, "rounds": 3, "rounds_one_winner": 3, "winners": 3, "refusals": 9, "other_errors": 0,
            "error_samples": [], "slots_held_once": 3, "round": stats}  # fmt: skip
    return {"SQLite": {"data": data, "search": search, "race": race}, "date": "2026-12-05 20:00 UTC", "machine": "m"}


def test_the_report_says_whether_the_target_was_met_and_keeps_the_other_sections(tmp_path):
    met, missed = "\n".join(slots.report(_results(40.0))), "\n".join(slots.report(_results(150.0)))
    assert "| SQLite | 1,000 | 700 | 70% | search_slots | 2.0 | 40.0 | 41.0 | 4.0 | 50.0 | < 100 ms: met |" in met
    assert "< 100 ms: MISSED" in missed
    assert "| SQLite | 4 | 3 | 3 | 3 | 9 | 0 | 3 |" in met
    earlier = tmp_path / "benchmarks.md"
    earlier.write_text("# Benchmarks\n\nintro\n\n## Registry look-up (x)\n\nrow\n\n## Intake throughput (y)\n\nrow2")
    kept = bench_run.kept_sections(earlier)
    assert list(kept) == ["## Registry look-up (x)", "## Intake throughput (y)"]
    assert bench_run._kept(kept, "## Intake throughput") == ["## Intake throughput (y)", "", "row2", ""]
