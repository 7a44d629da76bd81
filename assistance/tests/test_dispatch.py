import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Assignment, HelpRequest, Status
from assistance.selectors import queue_counts, queue_scope, suggestions_for
from assistance.services import auto_assign_all, transition
from assistance.tests.factories import ServiceTypeFactory
from core.actor import Actor
from directory.models import Skill
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_queue_shows_only_the_dispatchers_tcso_sorted_by_due(client, town):
    late = town.new_request(details="поздняя")
    urgent = town.new_request(urgency="urgent", details="срочная")
    elsewhere_person = PersonFactory(district=town.other_tcso.districts.first())
    from assistance.services import RequestInput, create_request

    other = create_request(
        person=elsewhere_person, data=RequestInput(service_type=town.service), actor=Actor(town.operator)
    )
    client.force_login(town.dispatcher)
    response = client.get(reverse("assistance:queue"))
    shown = list(response.context["page"])
    assert shown == [urgent, late]
    assert other not in shown


def test_live_counts_equal_a_sql_count(client, town):
    a = town.new_request()
    town.new_request()
    transition(help_request=a, to=Status.ACCEPTED, actor=Actor(town.dispatcher), version=a.version)
    HelpRequest.objects.filter(pk=a.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    counts = queue_counts(queue_scope(town.dispatcher))
    scope = HelpRequest.objects.filter(tcso=town.tcso)
    assert counts["new"] == scope.filter(status="new").count() == 1
    assert counts["accepted"] == scope.filter(status="accepted").count() == 1
    assert (
        counts["overdue"]
        == scope.filter(due_at__lt=timezone.now()).exclude(status__in=["done", "failed", "cancelled"]).count()
        == 1
    )
    client.force_login(town.dispatcher)
    part = client.get(reverse("assistance:queue") + "?part=counts", HTTP_HX_REQUEST="true")
    assert "queue-counts" in part.content.decode() and "<html" not in part.content.decode()


def test_suggestions_put_skills_before_everything(town):
    car = Skill.objects.create(code="car", name="Автомобиль")
    firewood = ServiceTypeFactory(code="firewood", name="Дрова", target_hours=120)
    firewood.required_skills.add(car)
    town.volunteer.skills.add(car)
    req = town.new_request(service_type=firewood)
    transition(help_request=req, to=Status.ACCEPTED, actor=Actor(town.dispatcher), version=req.version)
    ranked = suggestions_for(req)
    assert [s.worker for s in ranked][:2] == [town.volunteer, town.worker]
    assert "skills" in ranked[0].reasons


def test_one_click_assign_from_the_request_page(client, town):
    req = town.new_request()
    client.force_login(town.dispatcher)
    response = client.post(
        reverse("assistance:request_assign", args=[req.pk]), {"worker": town.worker.pk, "version": req.version}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    assert Assignment.objects.get(request=req, outcome="").worker == town.worker


def test_stale_assign_gets_a_message_not_a_second_assignment(client, town):
    req = town.new_request()
    client.force_login(town.dispatcher)
    client.post(reverse("assistance:request_assign", args=[req.pk]), {"worker": town.worker.pk, "version": 1})
    response = client.post(
        reverse("assistance:request_assign", args=[req.pk]), {"worker": town.volunteer.pk, "version": 1}, follow=True
    )
    assert Assignment.objects.filter(request=req).count() == 1
    assert any("изменил" in str(m).lower() or "назнач" in str(m).lower() for m in response.context["messages"])


def test_auto_assign_respects_daily_capacity_and_skills(town):
    town.worker.daily_capacity = 2
    town.worker.save()
    town.volunteer.daily_capacity = 1
    town.volunteer.save()
    requests = [town.new_request() for _ in range(4)]
    result = auto_assign_all(tcso=town.tcso, actor=Actor(town.dispatcher))
    assert result.assigned == 3 and result.left_unassigned == 1
    per_worker = {w: Assignment.objects.filter(worker=w, outcome="").count() for w in (town.worker, town.volunteer)}
    assert per_worker == {town.worker: 2, town.volunteer: 1}
    assert HelpRequest.objects.filter(pk__in=[r.pk for r in requests], status=Status.NEW).count() == 1


def test_auto_assign_never_gives_work_to_someone_without_the_required_skill(town):
    car = Skill.objects.create(code="car", name="Автомобиль")
    firewood = ServiceTypeFactory(code="firewood", name="Дрова", target_hours=120)
    firewood.required_skills.add(car)
    town.new_request(service_type=firewood)
    result = auto_assign_all(tcso=town.tcso, actor=Actor(town.dispatcher))
    assert result.assigned == 0 and result.left_unassigned == 1


def test_bulk_assign_ticked_requests(client, town):
    a, b = town.new_request(), town.new_request()
    client.force_login(town.dispatcher)
    client.post(reverse("assistance:bulk_assign"), {"requests": [a.pk, b.pk], "worker": town.worker.pk})
    assert Assignment.objects.filter(worker=town.worker, outcome="").count() == 2


@pytest.mark.parametrize("who", ["volunteer_user", "worker_user", "operator"])
def test_queue_is_for_dispatchers_and_supervisors(client, town, who):
    client.force_login(getattr(town, who))
    assert client.get(reverse("assistance:queue")).status_code == 403


def test_dispatcher_of_another_tcso_cannot_open_or_assign_the_request(client, town):
    req = town.new_request()
    client.force_login(town.other_dispatcher)
    # Another TCSO's request answers as a missing one.
    assert client.get(reverse("assistance:request", args=[req.pk])).status_code == 404
    response = client.post(
        reverse("assistance:request_assign", args=[req.pk]), {"worker": town.worker.pk, "version": req.version}
    )
    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_dispatcher_moves_and_transfers_from_the_request_page(client, town):
    req = town.new_request()
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:request", args=[req.pk]))
    assert page.status_code == 200
    client.post(reverse("assistance:request_move", args=[req.pk]), {"to": "accepted", "version": req.version})
    req.refresh_from_db()
    assert req.status == Status.ACCEPTED
    client.post(
        reverse("assistance:request_transfer", args=[req.pk]),
        {"tcso": town.other_tcso.pk, "version": req.version, "reason": "переезд"},
    )
    req.refresh_from_db()
    assert req.tcso == town.other_tcso and req.status == Status.NEW
