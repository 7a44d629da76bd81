"""The dispatcher's queue at city scale (issue 15 §4): it took 1.07 s on PostgreSQL with the reference
city's 370,000 requests because its district list and its counts read every request the TCSO ever had,
closed ones included. Now each read of the request table is bounded by the open statuses, and the
district list comes from the districts the TCSO serves."""

import pytest
from django.urls import reverse

from assistance.models import HelpRequest, Status
from assistance.selectors import queue_counts, queue_districts, queue_scope
from people.tests.factories import DistrictFactory, PersonFactory
from tests.plans import plans, recording, unbounded

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("part", ["", "rows", "counts"])
@pytest.mark.parametrize("who", ["dispatcher", "supervisor"])
def test_the_queue_reads_only_open_requests(client, town, part, who):
    """A dispatcher's queue is his TCSO's; a supervisor's every TCSO's (SQLite walked all requests in due
    order for it: 15 s at 4 million)."""
    town.new_request()
    closed = town.new_request()
    HelpRequest.objects.filter(pk=closed.pk).update(status=Status.DONE)
    client.force_login(getattr(town, who))
    headers = {"HX-Request": "true"} if part else {}
    with recording() as captured:
        response = client.get(reverse("assistance:queue"), {"part": part} if part else {}, headers=headers)
    assert response.status_code == 200
    found = [(sql, plan) for sql, plan in plans(captured) if "assistance_helprequest" in plan]
    assert found
    for sql, plan in found:
        assert not unbounded(plan), f"{sql}\n{plan}"


def test_the_district_filter_offers_the_tcsos_districts_and_those_of_open_requests(town):
    quiet = DistrictFactory(name="Зябликово")
    town.tcso.districts.add(quiet)  # served, no requests yet: still offered
    elsewhere = PersonFactory(district=town.other_tcso.districts.first())
    handed_over = town.new_request(person=elsewhere)
    HelpRequest.objects.filter(pk=handed_over.pk).update(tcso=town.tcso)  # a request handed over to us
    gone = PersonFactory(district=town.other_tcso.districts.first())
    old = town.new_request(person=gone)
    HelpRequest.objects.filter(pk=old.pk).update(tcso=town.tcso, status=Status.DONE)  # closed long ago
    gone.district = DistrictFactory(name="Орехово-Борисово Южное")  # the citizen has moved since
    gone.save()
    names = set(queue_districts(queue_scope(town.dispatcher), town.tcso).values_list("name", flat=True))
    assert names == {town.district.name, quiet.name, elsewhere.district.name}


def test_queue_counts_count_open_requests_by_status_and_overdue(town):
    for status in (Status.NEW, Status.NEW, Status.ACCEPTED, Status.DONE, Status.CANCELLED):
        req = town.new_request()
        HelpRequest.objects.filter(pk=req.pk).update(status=status)
    counts = queue_counts(queue_scope(town.dispatcher))
    assert counts[Status.NEW] == 2 and counts[Status.ACCEPTED] == 1
    assert counts["overdue"] == 0
    assert Status.DONE not in counts


def test_suggestions_read_only_live_and_todays_assignments(client, town):
    """The request page of a new request ranks the TCSO's workers by today's load: it read every
    assignment they ever had (thousands each at city scale) through the worker's own index."""
    done = town.new_request()
    HelpRequest.objects.filter(pk=done.pk).update(status=Status.DONE)
    fresh = town.new_request()
    client.force_login(town.dispatcher)
    with recording() as captured:
        response = client.get(reverse("assistance:request", args=[fresh.pk]))
    assert response.status_code == 200 and response.context["suggestions"]
    found = [(sql, plan) for sql, plan in plans(captured) if "assistance_assignment" in plan]
    assert found
    for sql, plan in found:
        assert not unbounded(plan), f"{sql}\n{plan}"
