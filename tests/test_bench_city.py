"""The city-scale benchmark's code at a tiny size (bench/ is not a package and not in testpaths), so that it
cannot rot: the bulk generator's rows hold together, every page it times answers, and the report says
what it measured."""

import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import city  # noqa: E402
import city_measure  # noqa: E402

from assistance import workflow  # noqa: E402
from assistance.models import Assignment, HelpRequest, Status, Transition  # noqa: E402
from intake.models import Interaction, Outcome  # noqa: E402

pytestmark = pytest.mark.django_db
SIZE = 3000


@pytest.fixture
def small_city(db: None) -> None:
    call_command("seed_demo", "--people", "1000", "--seed", "7", stdout=io.StringIO())
    city_measure.build(SIZE)


def test_the_generator_tops_the_city_up_with_requests_that_hold_together(small_city):
    assert HelpRequest.objects.count() == SIZE
    assert city_measure.build(SIZE)["made"] == 0  # a second run adds nothing
    generated = HelpRequest.objects.filter(created_by__username="operator", details__in=city_measure.DETAILS)
    closed = generated.filter(status__in=workflow.CLOSED)
    assert closed.exists() and generated.filter(status__in=workflow.OPEN).exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not generated.filter(status__in=workflow.OPEN, closed_at__isnull=False).exists()
    # Every request has its first status change and the call it was taken on.
    assert not generated.annotate(n=Count("transitions")).filter(n=0).exists()
    assert Transition.objects.filter(request__in=generated, from_status="", to_status=Status.NEW).count() == (
        generated.count()
    )
    linked = Interaction.objects.filter(outcome=Outcome.REQUEST_CREATED, requests__in=generated).count()
    assert linked == generated.count()
    # A request at a worker's status has that worker's live assignment; a new one has none.
    for status in (Status.ASSIGNED, Status.IN_PROGRESS):
        for request in generated.filter(status=status):
            assert Assignment.objects.filter(request=request, outcome="").count() == 1
    assert not Assignment.objects.filter(request__in=generated.filter(status=Status.NEW)).exists()
    # Requests go to the TCSO of the citizen's district.
    for request in generated.select_related("person")[:200]:
        assert request.person.district.organisations.filter(pk=request.tcso_id).exists()


def test_every_timed_page_answers_and_the_report_says_what_was_measured(small_city):
    measured = city_measure.measure(runs=2)
    assert set(measured["pages"]) == set(city.PAGES)
    assert measured["data"]["requests"] == SIZE
    lines = "\n".join(
        city.report(
            {
                "date": "today",
                "machine": "here",
                str(SIZE): {"SQLite": {**measured, "built": {}, "measured": "now", "load": [0.5, 0.6]}},
                "why": city.WHY,
            }
        )
    )
    assert "| SQLite | 3,000 | supervisor's dashboard, whole city, 30 days | 10 |" in lines
    assert "< 500 ms: " in lines and "Before the fix" in lines
