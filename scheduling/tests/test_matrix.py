"""Every role against the production calendar in Django admin: allowed or refused, cell by cell.

The slot permissions of scheduling/rules.py are exercised where they are used (psych/tests/test_matrix.py);
this matrix covers the calendar, which only administrators keep. Refused is a 403 or the admin's
redirect to its own login; nothing is written on a refusal.
"""

import datetime

import pytest
from django.urls import reverse

from core.roles import Role
from scheduling.models import CalendarDay

ADMINISTRATORS = {Role.ADMINISTRATOR.value}
ROWS = [
    ("calendar list", "get", "admin:scheduling_calendarday_changelist", ADMINISTRATORS),
    ("add a calendar day", "post", "admin:scheduling_calendarday_add", ADMINISTRATORS),
]
MATRIX_ROWS = {name for name, *_rest in ROWS}
PERMISSIONS_COVERED = {"scheduling.manage_calendar": ["calendar list", "add a calendar day"]}
CELLS = [(name, method, url, role, role in allowed) for name, method, url, allowed in ROWS for role in Role.values]
NEW_DAY = datetime.date(2026, 8, 3)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "url", "role", "allowed"), CELLS, ids=[f"{c[0]}-{c[3]}" for c in CELLS])
def test_calendar_in_admin(client, make_user, name, method, url, role, allowed) -> None:
    # is_staff for everyone: the admin site asks the administrator's role, not Django's staff flag.
    client.force_login(make_user(role, is_staff=True))
    if method == "get":
        response = client.get(reverse(url))
        assert (response.status_code == 200) is allowed
    else:
        response = client.post(reverse(url), {"date": NEW_DAY.isoformat(), "kind": "holiday", "note": "проверка"})
        assert response.status_code == 302
        assert CalendarDay.objects.filter(date=NEW_DAY).exists() is allowed
    if not allowed:
        assert response.status_code in (302, 403)
