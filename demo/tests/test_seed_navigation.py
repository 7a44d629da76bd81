"""The demo oncology navigation: assistants with capacities and polyclinics, referrals answered both ways."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from navigation.models import AssistantCapacity, Journey, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_navigator_has_patients_and_the_referrals_were_answered_both_ways() -> None:
    out = StringIO()
    call_command("seed_demo", people=400, requests=40, stdout=out)
    navigator = User.objects.get(username="navigator")
    assert AssistantCapacity.objects.get(assistant=navigator).polyclinics.count() == 3
    assert Journey.objects.filter(assistant=navigator).count() >= 3
    assert Referral.objects.filter(consent="refused").exclude(refusal_reason="").count() >= 2
    assert Referral.objects.filter(consent="pending").count() == 2
    given = Referral.objects.filter(consent="given")
    assert given.count() == Journey.objects.count() and all(r.case_id for r in given)
    assert "Demo oncology navigation" in out.getvalue()
    before = (Referral.objects.count(), Journey.objects.count(), AssistantCapacity.objects.count())
    call_command("seed_demo", people=400, requests=40, stdout=StringIO())
    assert (Referral.objects.count(), Journey.objects.count(), AssistantCapacity.objects.count()) == before
