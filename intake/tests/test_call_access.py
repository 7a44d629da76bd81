"""Who may see and change a call (intake/rules.py): a call is changed only by its operator or a supervisor
(a call nobody has taken yet by whoever may see it and records it first), on the version they saw; a
refused change saves nothing and journals nothing."""

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.translation import gettext

from assistance.models import HelpRequest
from audit.models import Action, AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, PermissionDenied
from intake import services
from intake.models import Interaction, Outcome
from intake.selectors import visible_interactions
from people.tests.factories import PersonFactory, WorkerFactory

pytestmark = pytest.mark.django_db

TAKEN_BY_SOMEONE_ELSE = "This call was taken by someone else: only its operator or a supervisor may record it."
CHANGED_MEANWHILE = (
    "This record was changed by someone else while you were editing it. "
    "Reload the page to see their changes, then apply yours again."
)


@pytest.fixture
def elsewhere(town: Any) -> Any:
    """A citizen of the other TCSO's district."""
    return PersonFactory(district=town.other_tcso.districts.first(), surname="Петрова")


@pytest.fixture
def recorded(town: Any, caller: Any) -> Interaction:
    """A call of the town's citizen that the operator took and recorded."""
    return Interaction.objects.create(
        cti_call_id="c-1",
        phone="+79165551234",
        person=caller,
        operator=town.operator,
        outcome=Outcome.INFORMATION_ONLY,
        note="спросила про часы работы",
    )


@pytest.fixture
def ringing(db: None) -> Interaction:
    """A call the telephony announced that nobody has answered or recorded yet."""
    return Interaction.objects.create(cti_call_id="c-2", phone="+79031112233")


def state(call: Interaction) -> tuple[Any, ...]:
    call.refresh_from_db()
    return (call.person_id, call.operator_id, call.outcome, call.note, call.phone, call.version)


def record(client: Any, user: Any, call_id: str, **data: Any) -> Any:
    """Post the screen pop's "the call produced no request" form as ``user`` (messages in English)."""
    client.force_login(user)
    body = {"outcome": "complaint", "note": "курьер опоздал", "call": call_id, **data}
    return client.post(
        reverse("intake:interaction_create"),
        {k: v for k, v in body.items() if v is not None},
        headers={"Accept-Language": "en"},
    )


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- recording from the screen pop ------------------------------------------------------------------
def test_dispatcher_cannot_overwrite_another_districts_call_by_its_id(client: Any, town: Any, elsewhere: Any):
    call = Interaction.objects.create(
        cti_call_id="c-3", person=elsewhere, operator=town.operator, outcome=Outcome.INFORMATION_ONLY, note="часы"
    )
    before, journal = state(call), AuditEvent.objects.count()
    response = record(client, town.dispatcher, "c-3", call_version=call.version)
    assert response.status_code == 302
    assert TAKEN_BY_SOMEONE_ELSE in said(response)
    assert state(call) == before
    assert AuditEvent.objects.count() == journal


def test_dispatcher_cannot_overwrite_a_call_of_his_own_district_that_the_operator_took(
    client: Any, town: Any, recorded: Interaction
):
    before, journal = state(recorded), AuditEvent.objects.count()
    response = record(client, town.dispatcher, "c-1", person=recorded.person_id, call_version=recorded.version)
    assert TAKEN_BY_SOMEONE_ELSE in said(response)
    assert state(recorded) == before
    assert AuditEvent.objects.count() == journal


def test_operator_cannot_overwrite_another_operators_call(
    client: Any, town: Any, make_user: Any, recorded: Interaction
):
    before = state(recorded)
    response = record(client, make_user("operator"), "c-1", person=recorded.person_id, call_version=recorded.version)
    assert TAKEN_BY_SOMEONE_ELSE in said(response)
    assert state(recorded) == before


def test_the_operator_of_a_call_records_it_again_on_the_version_he_saw(client: Any, town: Any, recorded: Interaction):
    record(client, town.operator, "c-1", person=recorded.person_id, call_version=recorded.version)
    recorded.refresh_from_db()
    assert (recorded.outcome, recorded.note, recorded.version) == (Outcome.COMPLAINT, "курьер опоздал", 2)
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None and event.action == Action.CHANGE and event.object_id == str(recorded.pk)


def test_supervisor_records_another_operators_call_which_stays_the_operators(
    client: Any, town: Any, recorded: Interaction
):
    record(client, town.supervisor, "c-1", person=recorded.person_id, call_version=recorded.version)
    recorded.refresh_from_db()
    assert recorded.outcome == Outcome.COMPLAINT
    assert recorded.operator == town.operator
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None and event.actor_username == town.supervisor.username and event.action == Action.CHANGE


def test_a_call_nobody_took_is_taken_by_the_operator_who_records_it(client: Any, town: Any, ringing: Interaction):
    record(client, town.operator, "c-2", outcome="wrong_number", note="", call_version=ringing.version)
    ringing.refresh_from_db()
    assert ringing.operator == town.operator and ringing.outcome == Outcome.WRONG_NUMBER


def test_a_dispatcher_cannot_take_a_call_he_may_not_see(client: Any, town: Any, ringing: Interaction):
    """Not linked to a citizen and taken by nobody: the call centre's, not a TCSO's."""
    before = state(ringing)
    response = record(client, town.dispatcher, "c-2", outcome="wrong_number", note="")
    assert TAKEN_BY_SOMEONE_ELSE in said(response)
    assert state(ringing) == before


def test_a_record_on_a_version_that_is_no_longer_current_is_refused(client: Any, town: Any, ringing: Interaction):
    """The supervisor opened the screen pop; the operator recorded the call first."""
    seen = ringing.version
    record(client, town.operator, "c-2", outcome="information_only", note="спросил адрес", call_version=seen)
    after_operator = state(ringing)
    response = record(client, town.supervisor, "c-2", outcome="wrong_number", note="", call_version=seen)
    assert CHANGED_MEANWHILE in said(response)
    assert state(ringing) == after_operator
    assert after_operator[2:4] == (Outcome.INFORMATION_ONLY, "спросил адрес")


def test_a_recorded_call_is_not_recorded_again_by_someone_who_did_not_see_it(
    client: Any, town: Any, recorded: Interaction
):
    """A form sent without the call's version (the page was opened before the call was known)."""
    before = state(recorded)
    response = record(client, town.supervisor, "c-1", person=recorded.person_id, call_version=None)
    assert CHANGED_MEANWHILE in said(response)
    assert state(recorded) == before


def test_the_screen_pop_carries_the_version_of_the_call(client: Any, town: Any, recorded: Interaction):
    Interaction.objects.filter(pk=recorded.pk).update(version=7)
    client.force_login(town.operator)
    form = client.get(reverse("intake:call"), {"call": "c-1"}).context["interaction_form"]
    assert form["call_version"].value() == 7


# --- logging requests on a call ---------------------------------------------------------------------
def test_logging_requests_on_another_operators_call_creates_no_request(
    client: Any, town: Any, make_user: Any, recorded: Interaction, daytime: None
):
    from intake.tests.test_person_call import log, row

    before, journal = state(recorded), AuditEvent.objects.count()
    client.force_login(make_user("operator"))
    response = log(client, recorded.person, [row(town.service)], call="c-1", call_version=recorded.version)
    assert response.status_code == 403
    assert [str(e) for e in response.context["general_errors"]] == [gettext(TAKEN_BY_SOMEONE_ELSE)]
    assert not HelpRequest.objects.exists()
    assert state(recorded) == before
    assert AuditEvent.objects.count() == journal


def test_the_calls_operator_logs_requests_on_it(client: Any, town: Any, recorded: Interaction, daytime: None):
    from intake.tests.test_person_call import log, row

    client.force_login(town.operator)
    page = client.get(reverse("intake:person_call", args=[recorded.person_id]), {"call": "c-1"})
    assert page.context["call_version"] == recorded.version
    response = log(client, recorded.person, [row(town.service)], call="c-1", call_version=recorded.version)
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.outcome == Outcome.REQUEST_CREATED and recorded.requests.count() == 1 and recorded.version == 2


# --- the services, for every caller -----------------------------------------------------------------
def test_the_service_refuses_another_operators_call_and_saves_nothing(town: Any, recorded: Interaction):
    before, journal = state(recorded), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.record_interaction(
            person=None,
            outcome=Outcome.WRONG_NUMBER,
            actor=Actor(town.dispatcher),
            cti_call_id="c-1",
        )
    assert state(recorded) == before
    assert AuditEvent.objects.count() == journal


def test_the_service_refuses_a_stale_version(town: Any, recorded: Interaction):
    with pytest.raises(ConcurrentEditError) as refused:
        services.record_interaction(
            person=recorded.person,
            outcome=Outcome.WRONG_NUMBER,
            actor=Actor(town.operator),
            cti_call_id="c-1",
            version=recorded.version + 1,
        )
    assert refused.value.current_version == recorded.version


# --- who sees a call ----------------------------------------------------------------------------------
@pytest.fixture
def calls(town: Any, make_user: Any, elsewhere: Any, ringing: Interaction) -> dict[str, Interaction]:
    colleague = make_user("dispatcher")
    WorkerFactory(user=colleague, organisation=town.tcso)
    return {
        "home citizen's": Interaction.objects.create(person=town.person, operator=town.operator),
        "other district's": Interaction.objects.create(person=elsewhere, operator=town.dispatcher),
        "ringing": ringing,
        "unlinked, the dispatcher's": Interaction.objects.create(operator=town.dispatcher, outcome="wrong_number"),
        "unlinked, a colleague's": Interaction.objects.create(operator=colleague, outcome="wrong_number"),
        "unlinked, the operator's": Interaction.objects.create(operator=town.operator, outcome="wrong_number"),
    }


def test_a_dispatcher_sees_his_districts_calls_and_the_unlinked_calls_of_his_tcso(town: Any, calls: Any):
    seen = {name for name, call in calls.items() if town.dispatcher.has_perm("intake.view_interaction", call)}
    assert seen == {"home citizen's", "unlinked, the dispatcher's", "unlinked, a colleague's"}


def test_the_other_dispatcher_sees_only_his_districts_calls(town: Any, calls: Any):
    seen = {name for name, call in calls.items() if town.other_dispatcher.has_perm("intake.view_interaction", call)}
    assert seen == {"other district's"}


@pytest.mark.parametrize(
    "who", ["operator", "supervisor", "dispatcher", "other_dispatcher", "administrator", "volunteer_user", "telephony"]
)
def test_the_rule_and_the_query_agree_on_every_call(town: Any, calls: Any, who: str):
    user = getattr(town, who)
    allowed = {call.pk for call in calls.values() if user.has_perm("intake.view_interaction", call)}
    assert set(visible_interactions(user).values_list("pk", flat=True)) == allowed


@pytest.mark.parametrize("who", ["operator", "supervisor"])
def test_the_call_centre_and_supervisors_see_every_call(town: Any, calls: Any, who: str):
    user = getattr(town, who)
    assert all(user.has_perm("intake.view_interaction", call) for call in calls.values())


def test_only_the_operator_and_supervisors_may_change_a_taken_call(town: Any, make_user: Any, recorded: Interaction):
    may = {
        who
        for who in ("operator", "supervisor", "dispatcher", "other_dispatcher", "administrator", "telephony")
        if getattr(town, who).has_perm("intake.change_interaction", recorded)
    }
    assert may == {"operator", "supervisor"}
    assert not make_user("operator").has_perm("intake.change_interaction", recorded)


def test_logging_requests_on_a_call_recorded_meanwhile_is_refused_with_409(
    client: Any, town: Any, recorded: Interaction, daytime: None
):
    from intake.tests.test_person_call import log, row

    client.force_login(town.supervisor)
    response = log(client, recorded.person, [row(town.service)], call="c-1", call_version=recorded.version + 1)
    assert response.status_code == 409
    assert len(response.context["general_errors"]) == 1
    assert not HelpRequest.objects.exists()
    assert state(recorded)[-1] == 1
