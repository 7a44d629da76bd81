"""§1 of issue 11: administrators manage accounts, they do not become supervisors."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.models import AccountState, RoleChange, UserSession
from accounts.tests.conftest import PASSWORD, journal_events, with_password
from api.models import ApiToken
from audit.models import AuditEvent
from core.roles import user_roles

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_the_user_form_offers_no_superuser_groups_or_permissions(client, admins):
    admin, _second = admins
    client.force_login(admin)
    html = client.get(reverse("admin:auth_user_change", args=[admin.pk])).content.decode()
    for field in ("is_superuser", "user_permissions", "groups", "is_staff"):
        assert f'name="{field}"' not in html


def test_posting_superuser_or_a_group_to_the_user_form_grants_nothing(client, admins, make_user):
    admin, _second = admins
    supervisors = make_user("supervisor").groups.first()
    client.force_login(admin)
    data = {
        "username": admin.username,
        "first_name": "Сергей",
        "last_name": "Крылов",
        "email": "",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [supervisors.pk],
    }
    response = client.post(reverse("admin:auth_user_change", args=[admin.pk]), data)
    assert response.status_code == 302
    admin = _fresh(admin)
    assert not admin.is_superuser
    assert "supervisor" not in user_roles(admin)
    assert journal_events(details__event="account_changed")[0]["whom"] == admin.username


def test_groups_and_second_factor_devices_are_not_in_the_admin(client, admins):
    client.force_login(admins[0])
    assert client.get("/admin/auth/group/").status_code == 404
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_a_record_role_waits_for_a_second_administrator(client, admins):
    admin, second = admins
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_rolechange_add"),
        {"user": admin.pk, "role": "supervisor", "kind": "grant", "reason": "смена"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    change = RoleChange.objects.get()
    assert change.status == RoleChange.Status.PENDING
    assert "supervisor" not in user_roles(_fresh(admin))
    # Reading a citizen's card still refused.
    assert not _fresh(admin).has_perm("people.view_person")

    # The same administrator cannot confirm their own request...
    changelist = reverse("admin:accounts_rolechange_changelist")
    answer = client.post(
        changelist,
        {"action": "confirm", "_selected_action": [change.pk]},
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert "A second administrator must confirm the request you made." in answer.content.decode()
    assert RoleChange.objects.get().status == RoleChange.Status.PENDING

    # ...and nobody confirms a role for their own account: here the request is for the first admin, so
    # the second may; a request of the second for themselves would not be theirs to confirm.
    client.force_login(second)
    client.post(changelist, {"action": "confirm", "_selected_action": [change.pk]})
    change.refresh_from_db()
    assert change.status == RoleChange.Status.APPLIED and change.decided_by == second
    assert "supervisor" in user_roles(_fresh(admin))
    granted = journal_events(details__event="role_granted")
    assert granted == [
        {"event": "role_granted", "whom": "admin-a", "role": "supervisor", "request": change.pk,
         "asked_by": "admin-a", "actor": "admin-b"}
    ]  # fmt: skip


def test_nobody_confirms_a_role_for_themselves(admins):
    from accounts import services
    from core.actor import Actor

    admin, second = admins
    change = services.request_role(actor=Actor(second), user=admin, role="supervisor")
    with translation.override("en"), pytest.raises(PermissionDenied, match="own account"):
        services.confirm_role(actor=Actor(admin), change=change)


def test_a_role_without_record_access_is_given_at_once_and_removal_never_waits(admins, make_user):
    from accounts import services
    from core.actor import Actor

    admin, _second = admins
    worker = make_user("social_worker")
    services.remove_role(actor=Actor(admin), user=worker, role="social_worker")
    assert user_roles(_fresh(worker)) == frozenset()
    assert journal_events(details__event="role_removed")[0]["whom"] == worker.username


def test_setting_a_password_forces_a_change_ends_sessions_and_revokes_tokens(client, admins, make_user, logged_in):
    admin, _second = admins
    operator = with_password(make_user("operator"))
    their_session = logged_in(operator)
    ApiToken.issue(user=operator, name="script")
    assert their_session.get(reverse("home")).status_code == 200

    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[operator.pk]),
        {"new_password1": "temporary-password-42", "new_password2": "temporary-password-42"},
    )
    assert response.status_code == 302
    assert their_session.get(reverse("home")).status_code == 302  # the old session is gone
    assert not UserSession.objects.filter(user=operator).exists()
    assert ApiToken.objects.get().revoked_at is not None
    assert AccountState.objects.get(user=operator).must_change_password
    assert journal_events(details__event="password_set_by_administrator")[0]["actor"] == admin.username

    # At next login the owner must choose their own password before anything else.
    again = logged_in(operator, "temporary-password-42")
    assert again.get(reverse("people:list"))["Location"] == reverse("accounts:password_change")
    changed = again.post(
        reverse("accounts:password_change"),
        {"old_password": "temporary-password-42", "new_password1": PASSWORD + "x", "new_password2": PASSWORD + "x"},
    )
    assert changed.status_code == 302
    assert again.get(reverse("people:list")).status_code == 200
    assert not AccountState.objects.get(user=operator).must_change_password


def test_an_administrator_cannot_set_a_superusers_password(client, admins, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admins[0])
    client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"new_password1": "temporary-password-42", "new_password2": "temporary-password-42"},
    )
    assert _fresh(root).check_password(PASSWORD)


def test_deactivation_ends_sessions_revokes_tokens_and_is_journaled(client, admins, make_user, logged_in):
    admin, _second = admins
    operator = with_password(make_user("operator"))
    their_session = logged_in(operator)
    ApiToken.issue(user=operator, name="script")
    client.force_login(admin)
    client.post(reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [operator.pk]})
    assert not _fresh(operator).is_active
    assert their_session.get(reverse("home")).status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    assert journal_events(details__event="account_deactivated")[0]["whom"] == operator.username


def test_a_new_account_has_no_role_and_must_change_its_password(client, admins):
    client.force_login(admins[0])
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "new-operator", "first_name": "Анна", "last_name": "Белова", "email": "a@example.ru",
         "password1": "temporary-password-42", "password2": "temporary-password-42"},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="new-operator")
    assert user_roles(user) == frozenset() and not user.is_superuser
    assert AccountState.objects.get(user=user).must_change_password
    assert journal_events(action="create")[0]["whom"] == "new-operator"


def test_superuser_status_comes_from_the_command_only_and_is_journaled(make_user):
    user = make_user("administrator", username="ops")
    call_command("set_superuser", "ops")
    assert _fresh(user).is_superuser
    assert AuditEvent.objects.filter(details__event="superuser_granted", origin="system").count() == 1
    call_command("set_superuser", "ops", "--remove")
    assert not _fresh(user).is_superuser


def test_admin_issues_tokens_for_service_accounts_only(client, admins, make_user):
    client.force_login(admins[0])
    person = make_user("operator")
    changelist = reverse("admin:auth_user_changelist")
    refused = client.post(changelist, {"action": "issue_service_token", "_selected_action": [person.pk]}, follow=True)
    assert not ApiToken.objects.exists()
    assert refused.status_code == 200
    service = User.objects.create_user("telephony-bot")
    from django.contrib.auth.models import Group

    service.groups.add(Group.objects.get_or_create(name="telephony")[0])
    answer = client.post(changelist, {"action": "issue_service_token", "_selected_action": [service.pk]})
    assert answer.status_code == 200
    token = ApiToken.objects.get(user=service)
    assert token.prefix in answer.content.decode()
    assert answer["Cache-Control"].startswith("no-store")
