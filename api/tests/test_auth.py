import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import JsonClient

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"


def test_call_without_token_is_refused_with_401_json_not_a_login_redirect(anonymous_api, person):
    response = anonymous_api.get(PEOPLE, {"q": "Петрова"})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["detail"]


def test_unknown_token_is_refused(client, person):
    api = JsonClient(client, "opora_not-a-real-token")
    assert api.get(PEOPLE, {"q": "Петрова"}).status_code == 401


def test_other_authorization_scheme_is_refused(client, user_with_role, person):
    user = user_with_role("operator")
    _record, token = ApiToken.issue(user=user, name="t")
    response = client.get(PEOPLE, {"q": "Петрова"}, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401


def test_revoked_token_is_refused(client, user_with_role, person):
    record, token = ApiToken.issue(user=user_with_role("operator"), name="t")
    api = JsonClient(client, token)
    assert api.get(PEOPLE, {"q": "Петрова"}).status_code == 200
    record.revoked_at = timezone.now()
    record.save()
    assert api.get(PEOPLE, {"q": "Петрова"}).status_code == 401


def test_token_of_an_inactive_user_is_refused(api_as, user_with_role, person):
    user = user_with_role("operator")
    api = api_as(user)
    user.is_active = False
    user.save()
    assert api.get(PEOPLE, {"q": "Петрова"}).status_code == 401


def test_logged_in_session_alone_does_not_open_the_api(client, user_with_role, person):
    client.force_login(user_with_role("operator"))
    assert client.get(PEOPLE, {"q": "Петрова"}).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, user_with_role, person):
    record, token = ApiToken.issue(user=user_with_role("operator"), name="t")
    api = JsonClient(client, token)
    api.get(PEOPLE, {"q": "Петрова"})
    record.refresh_from_db()
    first = record.last_used_at
    assert first is not None
    api.get(PEOPLE, {"q": "Петрова"})
    record.refresh_from_db()
    assert record.last_used_at == first

    ApiToken.objects.filter(pk=record.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    api.get(PEOPLE, {"q": "Петрова"})
    record.refresh_from_db()
    assert record.last_used_at > first


def test_create_api_token_prints_only_a_working_token(client, capsys, user_with_role, person):
    user = user_with_role("operator", username="ops-robot")
    call_command("create_api_token", "ops-robot", "--name", "nightly export")
    out = capsys.readouterr().out
    token = out.strip()
    assert out == token + "\n"
    assert token.startswith("opora_")
    record = ApiToken.objects.get(user=user)
    assert record.name == "nightly export"
    assert JsonClient(client, token).get(PEOPLE, {"q": "Петрова"}).status_code == 200


def test_create_api_token_for_an_unknown_user_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")


def test_token_look_up_reads_the_user_and_every_role_in_one_query(user_with_role, django_assert_num_queries):
    from django.contrib.auth.models import Group

    from api.auth import user_for_token
    from core.roles import user_roles

    user = user_with_role("dispatcher")
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    _record, token = ApiToken.issue(user=user, name="t")
    with django_assert_num_queries(1):
        found = user_for_token(token)
        assert found is not None
        assert found.user.pk == user.pk and found.user.username == user.username
        assert user_roles(found.user) == {"dispatcher", "supervisor"}
    assert found.touch_due  # never used yet

    nobody = user_with_role("volunteer")
    nobody.groups.clear()
    _record, other = ApiToken.issue(user=nobody, name="t")
    found = user_for_token(other)
    assert found is not None and user_roles(found.user) == frozenset()
    assert user_for_token(token + "x") is None
    assert user_for_token("   ") is None
