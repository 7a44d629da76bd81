"""Cases: opening, assessment, proposed steps, the route's life, closing; each refusal saves nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from audit.models import AuditEvent
from cases import services, workflow
from cases.models import Case, NeedsAssessment, RouteStep, StepTemplate
from cases.tests.conftest import build_ward, ensure_city_templates, open_case
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError

pytestmark = pytest.mark.django_db


def test_a_coordinator_opens_a_case_at_their_hospital_journaled_with_the_reason(ward):
    case = open_case(ward)
    assert case.organisation == ward.hospital and case.coordinator == ward.coordinator and case.is_open
    assert case.stay.department == "Терапия"
    entry = AuditEvent.objects.get(object_type="cases.case", action="create")
    assert entry.person_id == ward.patient.pk and entry.details["reason"] == "поступила сегодня"


def test_an_emergency_patient_not_admitted_has_a_case_without_dates(ward):
    case = open_case(ward, emergency_not_admitted=True, admitted_on=None)
    assert case.stay.emergency_not_admitted and case.stay.admitted_on is None


def test_the_reason_and_the_admission_are_required_and_nothing_is_saved(ward):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.open_hospital_case(
            actor=Actor(ward.coordinator), person=ward.patient, reason="  ", stay=services.StayDetails()
        )
    assert refused.value.message_dict == {
        "reason": ["This field is required."],
        "admitted_on": ["Enter the admission date, or tick “emergency, not admitted”."],
    }
    assert not Case.objects.exists() and not AuditEvent.objects.exists()


def test_a_future_admission_and_a_discharge_before_it_are_refused(ward):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        open_case(ward, admitted_on=tomorrow, expected_discharge_on=timezone.localdate())
    assert set(refused.value.message_dict) == {"admitted_on", "expected_discharge_on"}


def test_one_open_case_per_patient_and_hospital(ward):
    first = open_case(ward)
    with translation.override("en"), pytest.raises(ValidationError, match=f"№ {first.pk}"):
        open_case(ward, ward.colleague)
    assert Case.objects.count() == 1


def test_only_coordinators_of_a_hospital_open_cases(ward, make_user):
    with pytest.raises(PermissionDenied):
        open_case(ward, ward.city_supervisor)
    homeless = make_user("coordinator")  # no worker record: no hospital
    with pytest.raises(ValidationError):
        open_case(ward, homeless)
    assert not Case.objects.exists()


def test_assessment_is_numbered_and_proposes_template_steps(ward):
    case = open_case(ward)
    first = services.assess_needs(actor=Actor(ward.coordinator), case=case, needs=["lives_alone", "documents"])
    assert first.number == 1 and first.needs == ["documents", "lives_alone"]
    proposals = services.proposals_for(case, first.needs)
    assert [p.need for p in proposals] == ["documents", "lives_alone", "lives_alone"]
    assert proposals[0].due_on == timezone.localdate() + datetime.timedelta(days=2)
    second = services.assess_needs(actor=Actor(ward.coordinator), case=case, needs=["distress"])
    assert second.number == 2 and NeedsAssessment.objects.filter(case=case).count() == 2


def test_a_hospitals_own_templates_replace_the_citys_for_that_need(ward):
    case = open_case(ward)
    StepTemplate.objects.create(
        organisation=ward.hospital,
        need="documents",
        kind="documents",
        title="Паспорт: в МФЦ при больнице",
        responsible="coordinator",
        due_in_days=1,
    )
    StepTemplate.objects.create(
        organisation=ward.other_hospital,
        need="financial",
        kind="benefits",
        title="Чужой шаблон",
        responsible="coordinator",
    )
    titles = [p.title for p in services.proposals_for(case, ["documents", "financial"])]
    assert titles == ["Паспорт: в МФЦ при больнице", "Проверить право на выплаты и льготы и помочь подать заявления"]


def test_steps_already_on_the_route_are_not_proposed_again(ward):
    case = open_case(ward)
    proposal = services.proposals_for(case, ["documents"])[0]
    services.add_steps(
        actor=Actor(ward.coordinator),
        case=case,
        steps=[
            services.NewStep(
                title=proposal.title, kind=proposal.kind, responsible=proposal.responsible, need="documents"
            )
        ],
    )
    assert services.proposals_for(case, ["documents"]) == []


def test_unknown_needs_are_refused(ward):
    case = open_case(ward)
    with pytest.raises(ValidationError):
        services.assess_needs(actor=Actor(ward.coordinator), case=case, needs=["rich"])
    assert not NeedsAssessment.objects.exists()


def _step(case, ward, title="Позвонить дочери", **kw):
    return services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title=title, **kw)])[0]


def test_a_failed_step_needs_a_reason_and_a_stale_version_is_refused(ward):
    case = open_case(ward)
    step = _step(case, ward)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.move_step(actor=Actor(ward.coordinator), step=step, to="failed", expected_version=1)
    assert refused.value.message_dict == {"reason": ["This field is required."]}
    services.move_step(actor=Actor(ward.coordinator), step=step, to="in_progress", expected_version=1)
    stale = RouteStep.objects.get(pk=step.pk)
    stale.version = 1
    with pytest.raises(ConcurrentEditError):
        services.move_step(actor=Actor(ward.colleague), step=stale, to="done", expected_version=1)
    assert RouteStep.objects.get(pk=step.pk).status == "in_progress"


def test_only_coordinators_of_the_cases_hospital_work_on_it(ward):
    case = open_case(ward)
    step = _step(case, ward)
    for outsider in (ward.stranger, ward.hospital_supervisor, ward.city_supervisor):
        with pytest.raises(PermissionDenied):
            services.move_step(actor=Actor(outsider), step=step, to="done", expected_version=1)
    services.move_step(actor=Actor(ward.colleague), step=step, to="done", expected_version=1, result="Дочь приедет")
    assert RouteStep.objects.get(pk=step.pk).result == "Дочь приедет"


def test_a_case_closes_only_when_every_step_is_finished(ward):
    case = open_case(ward)
    step = _step(case, ward)
    with pytest.raises(ValidationError, match="Позвонить дочери"):
        services.close_case(actor=Actor(ward.coordinator), case=case, outcome="helped", note="", expected_version=1)
    services.move_step(actor=Actor(ward.coordinator), step=step, to="done", expected_version=1)
    services.close_case(actor=Actor(ward.coordinator), case=case, outcome="helped", note="", expected_version=1)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    with pytest.raises(ValidationError):
        _step(case, ward, title="ещё шаг")


def test_overdue_and_due_soon_are_derived_from_dates(ward):
    case = open_case(ward)
    today = timezone.localdate()
    late = _step(case, ward, title="просрочен", due_on=today - datetime.timedelta(days=1))
    soon = _step(case, ward, title="скоро", due_on=today + datetime.timedelta(days=7))
    later = _step(case, ward, title="позже", due_on=today + datetime.timedelta(days=8))
    assert late.overdue(today) and not late.due_soon(today)
    assert soon.due_soon(today) and not soon.overdue(today)
    assert not later.due_soon(today) and not later.overdue(today)
    services.move_step(actor=Actor(ward.coordinator), step=late, to="done", expected_version=1)
    late.refresh_from_db()
    assert not late.overdue(today)


class TestStepLifeCycle(HypothesisTestCase):
    """No sequence of moves reaches a state the table does not allow; every accepted move is journaled."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.sampled_from(list(RouteStep.Status.values)), max_size=6))
    def test_only_allowed_moves_happen(self, moves):
        ensure_city_templates()
        ward = build_ward()  # fixtures do not reach into a Hypothesis test class
        case = open_case(ward)
        step = _step(case, ward)
        for to in moves:
            before, journal = step.status, AuditEvent.objects.count()
            try:
                services.move_step(
                    actor=Actor(ward.coordinator),
                    step=step,
                    to=to,
                    expected_version=step.version,
                    reason="нет связи" if to == "failed" else "",
                )
            except ValidationError:
                assert not workflow.allowed(before, to)
                step.refresh_from_db()
                assert step.status == before and AuditEvent.objects.count() == journal
            else:
                assert workflow.allowed(before, to)
                assert AuditEvent.objects.count() == journal + 1


def test_the_stay_of_a_closed_case_is_not_changed(ward):
    case = open_case(ward)
    services.close_case(actor=Actor(ward.coordinator), case=case, outcome="helped", note="", expected_version=1)
    case.refresh_from_db()
    stay = services.StayDetails(department="Хирургия", admitted_on=case.stay.admitted_on)
    with pytest.raises(ValidationError):
        services.update_stay(
            actor=Actor(ward.coordinator), case=case, stay=stay, discharged_on=None, expected_version=case.version
        )
    case.stay.refresh_from_db()
    assert case.stay.department == "Терапия"
