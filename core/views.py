from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for a load balancer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@cache_control(max_age=86400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """``/favicon.ico``, which browsers ask for on their own: the SVG icon that base.html links.

    A temporary redirect, because the target's hashed name changes with every release.
    """
    return HttpResponseRedirect(static("opora/favicon.svg"))
