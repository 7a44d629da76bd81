import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assistance.models import HelpRequest, Urgency
from audit.models import AuditEvent
from intake.forms import default_window
from intake.models import Interaction, Outcome

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


def row(service: Any, **values: Any) -> dict[str, Any]:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return {
        "service_type": service.pk,
        "details": "",
        "address": "г. Москва, ул. Ключевая, д. 4, кв. 12",
        "window_date": tomorrow.strftime("%d.%m.%Y"),
        "window_from": "10",
        "window_to": "18",
        "urgency": "normal",
        **values,
    }


def form_data(rows: list[dict[str, Any]], note: str = "", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"rows-TOTAL_FORMS": len(rows), "rows-INITIAL_FORMS": 0, "note": note, **extra}
    for index, values in enumerate(rows):
        for name, value in values.items():
            if value is not None and value is not False:
                data[f"rows-{index}-{name}"] = value
    return data


def log(client: Any, person: Any, rows: list[dict[str, Any]], note: str = "", **extra: Any) -> Any:
    """Check and read back, then confirm: what an operator does."""
    url = reverse("intake:person_call", args=[person.pk])
    review = client.post(url, form_data(rows, note, review="1", **extra))
    if review.status_code != 200 or not review.context["review"]:
        return review
    token = review.context["note_form"]["review_token"].value()
    return client.post(url, form_data(rows, note, confirm="1", review_token=token, **extra))


@pytest.fixture(autouse=True)
def _open(daytime: None) -> None:
    """Every test here runs inside the call centre's working hours unless it travels elsewhere."""


def test_the_form_is_prefilled_for_a_quick_food_request(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.get(reverse("intake:person_call", args=[caller.pk]))
    form = response.context["formset"].forms[0]
    assert form["address"].value() == caller.address
    assert form["urgency"].value() == Urgency.NORMAL
    assert form["window_date"].value() in (timezone.localdate(), timezone.localdate() + datetime.timedelta(days=1))
    assert "autofocus" in str(form["service_type"])


def test_a_call_with_two_requests_creates_both_at_the_tcso_and_one_interaction(
    client: Any, town: Any, caller: Any, medicines: Any
):
    client.force_login(town.operator)
    response = log(
        client,
        caller,
        [row(town.service, details="хлеб, молоко, гречка"), row(medicines, details="по рецепту", urgency="urgent")],
        note="просила позвонить за час",
    )
    assert response.status_code == 302
    requests = list(HelpRequest.objects.order_by("pk"))
    assert [r.service_type for r in requests] == [town.service, medicines]
    assert all(r.tcso == town.tcso and r.person == caller and r.created_by == town.operator for r in requests)
    assert requests[1].urgency == Urgency.URGENT
    window_start = requests[0].window_start
    assert window_start is not None and timezone.localtime(window_start).hour == 10
    interaction = Interaction.objects.get()
    assert interaction.outcome == Outcome.REQUEST_CREATED
    assert interaction.note == "просила позвонить за час"
    assert set(interaction.requests.all()) == set(requests)
    assert AuditEvent.objects.filter(object_type="intake.interaction", person_id=caller.pk).exists()


def test_nothing_is_saved_before_the_read_back_is_confirmed(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.post(
        reverse("intake:person_call", args=[caller.pk]), form_data([row(town.service, details="хлеб")], review="1")
    )
    assert response.status_code == 200
    assert "хлеб" in response.content.decode()
    assert 'data-testid="read-back"' in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_change_after_the_read_back_is_read_back_again(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[caller.pk])
    review = client.post(url, form_data([row(town.service, details="хлеб")], review="1"))
    token = review.context["note_form"]["review_token"].value()
    again = client.post(url, form_data([row(town.service, details="хлеб и сыр")], confirm="1", review_token=token))
    assert again.context["review"]
    assert not HelpRequest.objects.exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"window_from": "18", "window_to": "10"}, "window_to"), ({"service_type": ""}, "service_type")],
)
def test_one_bad_row_saves_nothing_at_all(client: Any, town: Any, caller: Any, medicines: Any, bad: dict, field: str):
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service, details="хлеб"), row(medicines, **bad)])
    assert response.status_code == 400
    assert not HelpRequest.objects.exists()
    assert not Interaction.objects.exists()
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert field in forms[1].errors


def test_errors_are_shown_in_russian(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service, window_from="18", window_to="10")])
    assert "Конец интервала должен быть позже начала." in response.content.decode()


def test_a_failure_while_saving_rolls_back_every_row(client: Any, town: Any, caller: Any, medicines: Any):
    medicines.is_active = False  # withdrawn from the catalogue between the read-back and the save
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[caller.pk])
    rows = [row(town.service), row(medicines)]
    token = client.post(url, form_data(rows, review="1")).context["note_form"]["review_token"].value()
    type(medicines).objects.filter(pk=medicines.pk).update(is_active=False)
    response = client.post(url, form_data(rows, confirm="1", review_token=token))
    assert response.status_code == 400
    assert not HelpRequest.objects.exists() and not Interaction.objects.exists()


def test_person_without_district_is_refused_with_a_message(client: Any, town: Any, caller: Any):
    type(caller).objects.filter(pk=caller.pk).update(district=None)
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service)])
    assert response.status_code == 400
    assert response.context["general_errors"]
    assert not HelpRequest.objects.exists()


def test_duplicate_open_request_warns_and_needs_confirmation(client: Any, town: Any, caller: Any):
    existing = town.new_request(details="на прошлой неделе")
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service, details="ещё продукты")])
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="duplicate-warning"' in page
    assert f"№ {existing.pk}" in page
    assert HelpRequest.objects.count() == 1
    response = log(client, caller, [row(town.service, details="ещё продукты", confirm_duplicate="on")])
    assert response.status_code == 302
    assert HelpRequest.objects.count() == 2


def test_add_another_request_without_javascript_adds_a_prefilled_row(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.post(
        reverse("intake:person_call", args=[caller.pk]), form_data([row(town.service, details="хлеб")], add_row="1")
    )
    forms = response.context["formset"].forms
    assert len(forms) == 2
    assert forms[0]["details"].value() == "хлеб"
    assert forms[1]["address"].value() == caller.address
    assert not HelpRequest.objects.exists()


def test_a_call_from_the_telephony_is_completed_by_the_log(client: Any, town: Any, caller: Any):
    call = Interaction.objects.create(cti_call_id="abc-1", phone="+79165551234")
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service)], call="abc-1")
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.person == caller and call.outcome == Outcome.REQUEST_CREATED and call.requests.count() == 1
    assert Interaction.objects.count() == 1


def test_each_row_has_an_unticked_box_for_a_visit_outside_working_hours(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.get(reverse("intake:person_call", args=[caller.pk]))
    box = response.context["formset"].forms[0]["night_visit"]
    assert box.widget_type == "checkbox" and not box.value()
    assert f'name="{box.html_name}"' in response.content.decode()
    # The row that "add another request" copies has it too.
    assert 'name="rows-__prefix__-night_visit"' in response.content.decode()


def test_a_ticked_box_asks_for_a_visit_outside_working_hours_and_an_unticked_one_does_not(
    client: Any, town: Any, caller: Any, medicines: Any
):
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[caller.pk])
    rows = [row(town.service, details="хлеб", night_visit="on"), row(medicines, details="по рецепту")]
    review = client.post(url, form_data(rows, review="1"))
    read_back = review.context["review"]
    assert [item["row"].data.night_visit for item in read_back] == [True, False]
    assert review.content.decode().count('data-testid="read-back-night-visit"') == 1
    response = log(client, caller, rows)
    assert response.status_code == 302
    asked, not_asked = HelpRequest.objects.order_by("pk")
    assert (asked.service_type, asked.night_visit) == (town.service, True)
    assert (not_asked.service_type, not_asked.night_visit) == (medicines, False)
    created = AuditEvent.objects.get(object_type="assistance.helprequest", object_id=str(asked.pk), action="create")
    assert "night_visit" in created.fields


def test_ticking_the_box_after_the_read_back_is_read_back_again(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[caller.pk])
    review = client.post(url, form_data([row(town.service)], review="1"))
    token = review.context["note_form"]["review_token"].value()
    again = client.post(url, form_data([row(town.service, night_visit="on")], confirm="1", review_token=token))
    assert again.context["review"]
    assert not HelpRequest.objects.exists()


def test_add_another_request_keeps_the_ticked_box(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.post(
        reverse("intake:person_call", args=[caller.pk]),
        form_data([row(town.service, night_visit="on")], add_row="1"),
    )
    first, added = response.context["formset"].forms
    assert first["night_visit"].value() is True
    assert not added["night_visit"].value()


class TestOutsideWorkingHours:
    @pytest.fixture(autouse=True)
    def _hours(self, settings: Any) -> None:
        settings.OPORA_CALL_CENTRE_HOURS = "08:00-21:00"

    def test_non_urgent_request_is_refused_with_a_clear_message(self, client: Any, town: Any, caller: Any):
        with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 0, tzinfo=MOSCOW), tick=False):
            client.force_login(town.operator)
            page = client.get(reverse("intake:person_call", args=[caller.pk])).content.decode()
            assert 'data-testid="hours-notice"' in page
            assert "08:00–21:00" in page
            response = log(client, caller, [row(town.service)])
        assert response.status_code == 400
        assert "urgency" in response.context["formset"].forms[0].errors
        assert not HelpRequest.objects.exists()

    def test_urgent_request_is_accepted(self, client: Any, town: Any, caller: Any):
        with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 0, tzinfo=MOSCOW), tick=False):
            client.force_login(town.operator)
            response = log(client, caller, [row(town.service, urgency="urgent")])
        assert response.status_code == 302
        assert HelpRequest.objects.get().urgency == Urgency.URGENT

    def test_no_notice_in_working_hours(self, client: Any, town: Any, caller: Any):
        with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=MOSCOW), tick=False):
            client.force_login(town.operator)
            page = client.get(reverse("intake:call"), {"phone": "+79165551234"}).content.decode()
        assert 'data-testid="hours-notice"' not in page


def test_default_window_is_the_rest_of_today_in_the_morning_and_tomorrow_in_the_evening():
    morning = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=MOSCOW)
    evening = datetime.datetime(2026, 3, 10, 19, 0, tzinfo=MOSCOW)
    assert default_window(morning) == (datetime.date(2026, 3, 10), 11, 18)
    assert default_window(evening) == (datetime.date(2026, 3, 11), 10, 18)
