"""Response headers that keep personal data out of caches and switch off browser features Opora never uses."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Opora uses no camera, microphone, location, payment or USB device, and embeds nothing that should.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=()"
)


class PrivacyHeadersMiddleware:
    """``Cache-Control: no-store`` on every page and API answer; ``Permissions-Policy`` on everything.

    Every page of a logged-in user and every API answer may hold a citizen's data, so neither a shared
    proxy nor the browser's disk cache (of a computer at a TCSO's front desk) may keep it. Static files
    are served by WhiteNoise earlier in the chain and keep their long cache lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
