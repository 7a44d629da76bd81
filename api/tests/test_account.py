import pytest
from django.urls import reverse

from api.models import ApiToken, hash_token
from api.tests.conftest import JsonClient
from api.tests.factories import OrganisationFactory, WorkerFactory
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(user_with_role):
    user = user_with_role("dispatcher", first_name="Ирина", last_name="Морозова")
    WorkerFactory(user=user, organisation=OrganisationFactory(name="ТЦСО «Бабушкинский»"))
    return user


def test_account_page_shows_name_roles_organisation_and_tokens(client, dispatcher):
    ApiToken.issue(user=dispatcher, name="CTI integration")
    client.force_login(dispatcher)
    response = client.get(reverse("account"), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ирина Морозова" in html
    assert "TCSO dispatcher" in html
    assert "ТЦСО «Бабушкинский»" in html
    assert "CTI integration" in html
    assert "Revoke" in html


def test_account_page_needs_login(client, db):
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_created_token_is_shown_once_and_works(client, dispatcher, person):
    client.force_login(dispatcher)
    response = client.post(reverse("account_token_create"), {"name": "reports script"})
    assert response.status_code == 200
    match = response.context["new_token"]
    assert f'<p class="token-once" data-testid="new-token">{match}</p>' in response.content.decode()
    record = ApiToken.objects.get(user=dispatcher, name="reports script")
    assert record.token_hash == hash_token(match)
    assert AuditEvent.objects.filter(action="create", object_type="api.apitoken", object_id=str(record.pk)).exists()

    again = client.get(reverse("account"))
    assert match not in again.content.decode()
    assert "token-once" not in again.content.decode()
    assert JsonClient(client, match).get("/api/v1/people", {"q": "Петрова"}).status_code == 200


def test_token_name_is_required(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(reverse("account_token_create"), {"name": "  "}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Enter a name for the token." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoked_token_stops_working(client, dispatcher, person):
    record, token = ApiToken.issue(user=dispatcher, name="old")
    client.force_login(dispatcher)
    response = client.post(reverse("account_token_revoke", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.revoked_at is not None
    client.logout()
    assert JsonClient(client, token).get("/api/v1/people", {"q": "Петрова"}).status_code == 401


def test_nobody_can_revoke_someone_elses_token(client, dispatcher, user_with_role):
    record, _token = ApiToken.issue(user=user_with_role("operator"), name="theirs")
    client.force_login(dispatcher)
    assert client.post(reverse("account_token_revoke", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


def test_revoke_needs_post(client, dispatcher):
    record, _token = ApiToken.issue(user=dispatcher, name="t")
    client.force_login(dispatcher)
    assert client.get(reverse("account_token_revoke", args=[record.pk])).status_code == 405
