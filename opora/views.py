"""The site's start page, which depends on who comes: a social worker or a volunteer lands on today's tasks,
everyone else on the start page of ``core``. It lives here, above the apps, because ``core`` may not know
about ``assistance``."""

from django.http import HttpRequest, HttpResponse

from assistance.field_views import field_home
from core import views as core_views


def home(request: HttpRequest) -> HttpResponse:
    tasks = field_home(request)
    return tasks if tasks is not None else core_views.home(request)
