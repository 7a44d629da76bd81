"""System checks: a misspelt channel name or a missing gateway address shows up at start, not at 3 a.m."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from notify.channels import REGISTRY


@register()
def check_notify_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for setting in ("OPORA_SMS_CHANNEL", "OPORA_EMAIL_CHANNEL"):
        name = getattr(settings, setting)
        if name not in REGISTRY:
            problems.append(
                Error(
                    f"{setting}={name!r} is not a notification channel.",
                    hint=f"Use one of: {', '.join(sorted(REGISTRY))}.",
                    id="notify.E001",
                )
            )
    if settings.OPORA_SMS_CHANNEL == "http" and not str(settings.OPORA_SMS_GATEWAY_URL).startswith(
        ("http://", "https://")
    ):
        problems.append(
            Error(
                "OPORA_SMS_CHANNEL=http needs OPORA_SMS_GATEWAY_URL, an http:// or https:// address.",
                id="notify.E002",
            )
        )
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        problems.append(
            Error(
                "OPORA_EMAIL_USE_TLS and OPORA_EMAIL_USE_SSL cannot both be on.",
                hint="STARTTLS (port 587) is OPORA_EMAIL_USE_TLS; implicit TLS (port 465) is OPORA_EMAIL_USE_SSL.",
                id="notify.E003",
            )
        )
    return problems
