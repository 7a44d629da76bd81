"""Property tests of the hand-off's life: whatever the TCSO does with the request, in whatever order the
request's own workflow allows, the hand-off only makes the moves its table allows and ends as the
request ended."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistance import workflow as request_workflow
from assistance.models import Status as RequestStatus
from cases import workflow
from cases.models import Handoff
from cases.tests.test_handoffs import hand  # noqa: F401  (the fixture)

H = Handoff.Status
# What a closed request leaves the hand-off as (the sender's own withdrawal aside).
END_FOR = {
    RequestStatus.DONE: {H.COMPLETED},
    RequestStatus.FAILED: {H.FAILED},
    RequestStatus.CANCELLED: {H.REJECTED, H.FAILED},
}


@st.composite
def request_lives(draw: st.DrawFn) -> list[str]:
    """A path through assistance's workflow from "new", with transfers (back to "new") mixed in."""
    path = [RequestStatus.NEW]
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        current = path[-1]
        options = sorted(request_workflow.TRANSITIONS[current])
        if current in (RequestStatus.NEW, RequestStatus.ACCEPTED):
            options.append(RequestStatus.NEW)  # handed to another TCSO
        if not options:
            break
        path.append(draw(st.sampled_from(options)))
    return path


@given(request_lives(), st.one_of(st.none(), st.integers(min_value=0, max_value=12)))
@settings(max_examples=500)
def test_the_hand_off_follows_its_table_and_ends_as_the_request(path: list[str], withdraw_at: int | None) -> None:
    status = H.REQUESTED
    withdrawn = False
    for index, request_status in enumerate(path[1:], start=1):
        if withdraw_at == index and status in workflow.LIVE_HANDOFF_STATUSES:
            assert workflow.handoff_allowed(status, H.CANCELLED)
            status, withdrawn = H.CANCELLED, True
        after = workflow.handoff_status_after(status, request_status)
        if after != status:
            assert workflow.handoff_allowed(status, after), (path, status, after)
        status = after
    final = path[-1]
    if withdrawn:
        assert status == H.CANCELLED
    elif final in END_FOR:
        assert status in END_FOR[final], (path, status)
    elif final == RequestStatus.NEW:
        assert status == H.REQUESTED  # waiting for a TCSO to accept it
    elif final == RequestStatus.IN_PROGRESS:
        assert status == H.IN_PROGRESS
    else:  # accepted or assigned: accepted, or in progress if the work had started before
        assert status in (H.ACCEPTED, H.IN_PROGRESS)


@pytest.mark.parametrize("end", [H.REJECTED, H.COMPLETED, H.FAILED, H.CANCELLED])
def test_an_ended_hand_off_never_moves_again(end: str) -> None:
    assert not workflow.HANDOFF_TRANSITIONS[end]
    for request_status in RequestStatus.values:
        assert workflow.handoff_status_after(end, request_status) == end


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(workflow.HANDOFF_TRANSITIONS) == set(H.values)
    for targets in workflow.HANDOFF_TRANSITIONS.values():
        assert targets <= set(H.values)


# --- the same through the real services and the database ----------------------------------------------


class _Rollback(Exception):
    pass


def _drive(hand, path: list[str], withdraw_at: int | None) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from assistance import services as assistance
    from assistance.models import HelpRequest
    from cases import handoffs
    from cases.tests.test_handoffs import _consent, _hand_over
    from core.actor import Actor

    _consent(hand)
    handoff = _hand_over(hand)
    dispatcher = Actor(hand.dispatcher)
    tcsos = [hand.tcso, hand.other_tcso]
    dispatchers = {hand.tcso.pk: dispatcher, hand.other_tcso.pk: Actor(hand.other_dispatcher)}
    withdrawn = False
    for index, to in enumerate(path[1:], start=1):
        request = HelpRequest.objects.get(pk=handoff.request_id)
        if not request.is_open:
            break
        handoff.refresh_from_db()
        if withdraw_at == index and handoff.is_live:
            handoffs.cancel_handoff(
                actor=Actor(hand.ward.coordinator),
                handoff=handoff,
                reason="передумали",
                expected_version=handoff.version,
            )
            withdrawn = True
            break
        actor = dispatchers[request.tcso_id]
        if to == RequestStatus.NEW:
            other = next(t for t in tcsos if t.pk != request.tcso_id)
            assistance.transfer(
                help_request=request, to_tcso=other, actor=actor, version=request.version, reason="адрес"
            )
        elif to == RequestStatus.ASSIGNED:
            from directory.models import Worker

            worker = Worker.objects.filter(organisation_id=request.tcso_id, user__groups__name="social_worker").first()
            if worker is None:
                break
            assistance.assign(help_request=request, assignee=worker, actor=actor, version=request.version)
        else:
            assistance.transition(help_request=request, to=to, actor=actor, version=request.version, reason="так вышло")
    handoff.refresh_from_db()
    request = HelpRequest.objects.get(pk=handoff.request_id)
    assert handoff.tcso_id == request.tcso_id
    if withdrawn:
        assert handoff.status == H.CANCELLED and request.status == RequestStatus.CANCELLED
    elif request.status in END_FOR:
        assert handoff.status in END_FOR[request.status]
    elif request.status == RequestStatus.NEW:
        assert handoff.status == H.REQUESTED
    elif request.status == RequestStatus.IN_PROGRESS:
        assert handoff.status == H.IN_PROGRESS
    else:
        assert handoff.status in (H.ACCEPTED, H.IN_PROGRESS)
    step_status = handoff.step.status
    if handoff.status == H.COMPLETED:
        assert step_status == "done"
    elif handoff.status in (H.REJECTED, H.FAILED):
        assert step_status == "failed"
    else:
        assert step_status == "in_progress"


@pytest.mark.django_db
def test_the_real_services_keep_the_hand_off_and_the_request_in_step(hand) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Hypothesis drives the request through the TCSO's services; each example runs in a transaction
    rolled back afterwards, so all start from the same hospital, TCSOs and step."""
    from django.db import transaction
    from hypothesis import HealthCheck

    from directory.models import Organisation
    from people.tests.factories import WorkerFactory

    WorkerFactory(organisation=hand.other_tcso, user=None)  # not a social worker: never chosen
    from cases.tests.test_handoffs import _user

    _user("social_worker", "Галина", hand.other_tcso)
    assert Organisation.objects.filter(kind="tcso").count() >= 2

    @given(request_lives(), st.one_of(st.none(), st.integers(min_value=1, max_value=6)))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def check(path: list[str], withdraw_at: int | None) -> None:
        try:
            with transaction.atomic():
                _drive(hand, path, withdraw_at)
                raise _Rollback
        except _Rollback:
            pass

    check()
