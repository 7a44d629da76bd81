"""The 403, 404 and 500 pages: in the site's layout and the user's language, with a way back.

Wired in ``opora/urls.py`` as handler403, handler404 and handler500. Django calls them only when DEBUG
is off; with DEBUG on it shows its technical pages instead.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, if it is one of ours and not this one; else empty.

    Read from the Referer header (sent for same-origin links, see SECURE_REFERRER_POLICY), so the
    "Back" link needs no script.
    """
    referer = request.headers.get("referer", "")
    if not referer or referer == request.build_absolute_uri():
        return ""
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return referer


# requires_csrf_token: base.html has the language form, and the CSRF middleware may not have run (a
# 404 is raised before any view), as in Django's own handlers.
@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", {"back_url": _back_url(request)}, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", {"back_url": _back_url(request)}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request or context processors: whatever failed may fail them too."""
    return HttpResponseServerError(loader.get_template("500.html").render())
