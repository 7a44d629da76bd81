"""The coordinator's pages, end to end through the views."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, RouteStep

pytestmark = pytest.mark.django_db


def test_open_assess_accept_work_and_close_through_the_pages(client, ward):
    client.force_login(ward.coordinator)
    found = client.get(reverse("cases:find"), {"q": "Соколова Мария"})
    html = found.content.decode()
    assert "Соколова Мария Петровна" in html and reverse("cases:open", args=[ward.patient.pk]) in html
    assert reverse("people:detail", args=[ward.patient.pk]) not in html  # search level: no card link

    opened = client.post(
        reverse("cases:open", args=[ward.patient.pk]),
        {"reason": "поступила по скорой", "department": "Кардиология", "admitted_on": timezone.localdate().isoformat()},
    )
    case = Case.objects.get()
    assert opened["Location"] == reverse("cases:detail", args=[case.pk])

    client.post(reverse("cases:assess", args=[case.pk]), {"needs": ["lives_alone", "relatives"]})
    page = client.get(reverse("cases:detail", args=[case.pk]))
    proposals = page.context["proposals"]
    assert [p.need for p in proposals] == ["relatives", "lives_alone", "lives_alone"]

    # Accept the first two, the second with the coordinator's own wording; leave the third out.
    client.post(
        reverse("cases:accept_proposals", args=[case.pk]),
        {"take-0": "on", "title-0": proposals[0].title, "take-1": "on", "title-1": "Соцобслуживание на дому с 12.12"},
    )
    steps = list(RouteStep.objects.filter(case=case).order_by("position"))
    assert [s.title for s in steps] == [proposals[0].title, "Соцобслуживание на дому с 12.12"]
    assert [s.responsible for s in steps] == ["coordinator", "tcso"]

    for step in steps:
        client.post(reverse("cases:move_step", args=[case.pk, step.pk]), {"to": "done", "version": 1, "result": "ok"})
    closed = client.post(reverse("cases:close", args=[case.pk]), {"version": case.version, "outcome": "helped"})
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    events = AuditEvent.objects.filter(object_type="cases.case").count()
    assert events == 1 + 1 + 1 + 2 + 1  # opened, assessed, steps added, two moves, closed


def test_a_refused_form_shows_its_problems_and_saves_nothing(client, ward):
    client.force_login(ward.coordinator)
    response = client.post(
        reverse("cases:open", args=[ward.patient.pk]), {"reason": ""}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "Say why you open the case." in response.content.decode()
    assert not Case.objects.exists()


def test_the_worklist_puts_overdue_cases_first_and_counts_them(client, ward):
    import datetime

    from cases import services
    from cases.tests.conftest import open_case
    from core.actor import Actor

    case = open_case(ward)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.add_steps(
        actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title="Справка", due_on=yesterday)]
    )
    client.force_login(ward.coordinator)
    page = client.get(reverse("cases:worklist"))
    assert page.context["worklist"].overdue == 1
    assert "Соколова Мария Петровна" in page.content.decode()
    client.force_login(ward.colleague)
    assert client.get(reverse("cases:worklist")).context["worklist"].rows == []  # not hers
    assert len(client.get(reverse("cases:worklist"), {"all": "1"}).context["worklist"].rows) == 1


def test_a_case_opens_the_patients_card_to_the_hospitals_coordinators_only(client, ward):
    from cases.tests.conftest import open_case

    card = reverse("people:detail", args=[ward.patient.pk])
    client.force_login(ward.coordinator)
    assert client.get(card).status_code == 404  # search level until a case is opened
    open_case(ward)
    assert client.get(card).status_code == 200
    client.force_login(ward.colleague)
    assert client.get(card).status_code == 200  # the same hospital
    client.force_login(ward.stranger)
    assert client.get(card).status_code == 404  # another hospital


def test_a_version_no_column_holds_is_refused_not_a_server_error(client, ward):
    from cases import services
    from cases.tests.conftest import open_case
    from core.actor import Actor

    case = open_case(ward)
    step = services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title="Шаг")])[0]
    client.force_login(ward.coordinator)
    for version in (2**31 - 1, 2**63):
        moved = client.post(reverse("cases:move_step", args=[case.pk, step.pk]), {"to": "done", "version": version})
        closed = client.post(reverse("cases:close", args=[case.pk]), {"version": version, "outcome": "helped"})
        assert moved.status_code == closed.status_code == 302
    step.refresh_from_db()
    assert step.status == "planned"
