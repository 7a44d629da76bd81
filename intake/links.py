"""Addresses of the operator's screen, for the pages and for the telephony webhook's answer."""

from urllib.parse import urlencode

from django.urls import reverse


def call_url(phone: str = "", call: str = "") -> str:
    """The screen pop's address for a caller's phone and the telephony's call id."""
    params = {k: v for k, v in (("phone", phone), ("call", call)) if v}
    return reverse("intake:call") + ("?" + urlencode(params) if params else "")
