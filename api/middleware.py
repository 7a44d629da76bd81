"""The API's door: JSON bodies only, of a bounded size, refused in the API's own error shape.

Django would answer an oversized body with an HTML 400 and leave a form-encoded one to the endpoint,
which then reports a missing body; an integration deserves to be told what is wrong, in JSON.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from api.errors import error_answer

API_PREFIX = "/api/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class JsonBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and request.method in BODY_METHODS:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        too_big = error_answer(
            413, _("The request body is too large: at most %(megabytes)s MB.") % {"megabytes": round(limit / 2**20, 1)}
        )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return too_big
        # Without credentials the API answers 401 whatever the body; the type is checked for callers it knows.
        if length and request.content_type != "application/json" and "authorization" in request.headers:
            return error_answer(415, _("Send the request body as JSON, with “Content-Type: application/json”."))
        try:
            request.body  # noqa: B018  (reads it now, within the limit, so that a chunked body is bounded too)
        except RequestDataTooBig:
            return too_big
        return None
