"""Addresses of the operator's screen, for the pages and for the telephony webhook's answer."""

from urllib.parse import urlencode

from django.urls import reverse


def call_url(phone: str = "", call: str = "", person: int | None = None) -> str:
    """The screen pop's address for a caller's phone, the telephony's call id and the citizen selected."""
    pairs = (("phone", phone), ("call", call), ("person", str(person) if person else ""))
    params = {k: v for k, v in pairs if v}
    return reverse("intake:call") + ("?" + urlencode(params) if params else "")
