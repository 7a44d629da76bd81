"""Each panel takes its scope from its domain's selector; the view only chooses the TCSO."""

import pytest
from django.urls import reverse

from assistance.models import HelpRequest
from core.roles import Role
from intake.models import Interaction
from intake.selectors import visible_interactions
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tcsos(town):
    """Two requests and two calls in the town's TCSO, one of each in the other; one anonymous call."""
    elsewhere = PersonFactory(district=town.other_tcso.districts.first())
    town.new_request()
    town.new_request()
    moved = town.new_request()
    HelpRequest.objects.filter(pk=moved.pk).update(person=elsewhere, tcso=town.other_tcso)
    Interaction.objects.create(person=town.person, operator=town.operator)
    Interaction.objects.create(person=town.person, operator=town.operator, outcome="request_created")
    Interaction.objects.create(person=elsewhere, operator=town.operator)
    Interaction.objects.create(person=None, operator=town.operator, outcome="wrong_number")
    return elsewhere


def _figures(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("reports:dashboard"), params)
    assert response.status_code == 200
    return response.context["figures"].created, response.context["calls"].received, response.context["tcso"]


def test_dispatcher_counts_only_his_tcsos_requests_and_calls(client, town, two_tcsos):
    assert _figures(client, town.dispatcher) == (2, 2, town.tcso)
    assert _figures(client, town.other_dispatcher) == (1, 1, town.other_tcso)


def test_dispatcher_cannot_choose_another_tcso(client, town, two_tcsos):
    assert _figures(client, town.dispatcher, tcso=town.other_tcso.pk) == (2, 2, town.tcso)


def test_operator_choosing_a_tcso_sees_that_tcsos_figures(client, town, two_tcsos):
    assert _figures(client, town.operator, tcso=town.other_tcso.pk) == (1, 1, town.other_tcso)
    assert _figures(client, town.operator) == (3, 4, None)


@pytest.mark.parametrize("junk", ["x", "99999999999999999999", "-1", "1.5"])
def test_supervisor_with_a_junk_tcso_sees_the_whole_city(client, town, two_tcsos, junk):
    assert _figures(client, town.supervisor, tcso=junk, period="junk") == (3, 4, None)


def test_an_organisation_that_is_no_tcso_cannot_be_chosen(client, town, two_tcsos):
    from assistance.tests.factories import OrganisationFactory

    hospital = OrganisationFactory(name="Больница №1", kind="hospital")
    assert _figures(client, town.supervisor, tcso=hospital.pk) == (3, 4, None)


def test_dispatcher_without_a_tcso_has_no_dashboard(client, make_user):
    client.force_login(make_user(Role.DISPATCHER))
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_the_operator_sees_the_tcso_choice_and_the_dispatcher_does_not(client, town):
    client.force_login(town.operator)
    assert 'name="tcso"' in client.get(reverse("reports:dashboard")).content.decode()
    client.force_login(town.dispatcher)
    assert 'name="tcso"' not in client.get(reverse("reports:dashboard")).content.decode()


# --- visible_interactions ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_call_centre_and_supervisor_count_every_call(make_user, town, two_tcsos, role):
    assert visible_interactions(make_user(role)).count() == 4


def test_dispatcher_counts_the_calls_of_citizens_his_tcso_serves(town, two_tcsos):
    assert set(visible_interactions(town.dispatcher).values_list("person", flat=True)) == {town.person.pk}
    assert list(visible_interactions(town.other_dispatcher).values_list("person", flat=True)) == [two_tcsos.pk]


@pytest.mark.parametrize(
    "role",
    [Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.COORDINATOR, Role.PSYCHOLOGIST, Role.NAVIGATOR, Role.ADMINISTRATOR],
)
def test_other_roles_count_no_calls(make_user, town, two_tcsos, role):
    assert not visible_interactions(make_user(role)).exists()


@pytest.mark.parametrize("role", list(Role))
def test_whoever_may_see_the_city_figures_counts_every_call(make_user, two_tcsos, role):
    """intake names its city-wide roles itself; this keeps them in step with reports.view_city_figures."""
    user = make_user(role)
    if user.has_perm("reports.view_city_figures"):
        assert visible_interactions(user).count() == Interaction.objects.count()
