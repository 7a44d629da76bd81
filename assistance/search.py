"""A help request's number typed in the registry's search box (people.selectors.find_by_number).

People may not import assistance (docs/architecture.md), so the look-up lives here and is registered
with ``people.selectors.register_number_lookup`` in ``AssistanceConfig.ready()``.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from assistance.selectors import visible_requests
from core.validators import MAX_ID
from people.selectors import NumberHit, register_number_lookup


def find_request(user: Any, number: int) -> NumberHit | None:
    """The help request ``№ number`` if ``user`` may open it (``visible_requests``), else nothing — the
    same for one that does not exist, so numbers reveal nothing."""
    if not 0 < number <= MAX_ID or not user.has_perm("assistance.view_request"):
        return None
    found = visible_requests(user).select_related("person", "service_type", "tcso").filter(pk=number).first()
    if found is None:
        return None
    label = _("Request № %(number)s: %(service)s, %(citizen)s, %(status)s, %(tcso)s") % {
        "number": found.pk,
        "service": found.service_type,
        "citizen": found.person.short_name,
        "status": found.get_status_display(),
        "tcso": found.tcso.short_name or found.tcso.name,
    }
    return NumberHit(label=label, url=reverse("assistance:request", args=[found.pk]))


def register() -> None:
    """Called from ``AssistanceConfig.ready()``."""
    register_number_lookup("assistance.request", find_request)
