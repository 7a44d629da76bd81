"""Every role is a group from the first migrate on, before load_reference runs (core/migrations), and the
telephony service account holds exactly one permission."""

from typing import Any

import pytest
import rules
from django.contrib.auth.models import Group

from core.roles import Role

pytestmark = pytest.mark.django_db


def test_the_migrations_make_a_group_for_every_role() -> None:
    assert set(Role.values) <= set(Group.objects.values_list("name", flat=True))


def test_the_telephony_service_account_may_post_call_events_and_nothing_else(make_user: Any) -> None:
    account = make_user(Role.TELEPHONY)
    held = {perm for perm in rules.permissions.permissions if account.has_perm(perm)}
    assert held == {"intake.post_call_events"}
