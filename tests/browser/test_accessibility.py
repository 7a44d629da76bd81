"""axe-core (run offline inside the page) finds no serious accessibility problems on the registry pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, User

from people.tests.factories import PersonFactory, PhoneFactory
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_login_search_card_and_form_have_no_serious_violations(page, live_server, login):
    user = User.objects.create_user("operator1", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    person = PersonFactory()
    PhoneFactory(person=person, number="+79261234567")

    page.goto(live_server.url + "/login/")
    assert _serious(page) == []
    login(user)
    pages = ["/", "/people/?q=Иванова", f"/people/{person.pk}/", f"/people/{person.pk}/documents/", "/people/new/"]
    for path in pages:
        page.goto(live_server.url + path)
        assert _serious(page) == [], path


def test_the_psychologists_pages_have_no_serious_violations(page, live_server, login):
    from core.actor import Actor
    from psych import notes, services
    from psych.models import HotlineLine
    from psych.tests.conftest import build_clinic

    clinic = build_clinic()
    clinic.psychologist.set_password(PASSWORD)
    clinic.psychologist.save()
    actor = Actor(clinic.psychologist)
    waiting = services.register_walk_in(actor=actor, client=services.Client(label="Ольга"))
    held = services.register_walk_in(actor=actor, client=services.Client(person=clinic.patient))
    held = services.move(actor=actor, consultation=held, to="in_progress", expected_version=held.version)
    notes.write_note(actor=actor, consultation=held, text="Запись", expected_version=0)
    HotlineLine.objects.create(organisation=clinic.hospital, name="Линия", phone="051", round_the_clock=True)

    login(clinic.psychologist)
    pages = [
        "/psych/",
        "/psych/queue/",
        f"/psych/consultations/{waiting.pk}/",
        f"/psych/consultations/{held.pk}/",
        "/psych/consultations/",
        f"/psych/book/?person={clinic.patient.pk}",
        "/psych/find/?q=Соколова+Мария",
        "/psych/groups/",
        "/psych/groups/new/",
        "/psych/hotline/",
        "/psych/hotline/calls/new/",
        "/psych/hotline/follow-ups/",
        f"/people/{clinic.patient.pk}/psych/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert _serious(page) == [], path
