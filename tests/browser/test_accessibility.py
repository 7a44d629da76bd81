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
