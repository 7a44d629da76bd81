from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import account_page
from accounts import views as account_views
from core import views as core_views
from opora import views as site_views
from opora.api import public_urls as public_api_urls

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("account/", include("accounts.urls")),
    path("people/", include("people.urls")),
    path("notify/", include("notify.urls")),
    path("assistance/", include("assistance.urls")),
    path("intake/", include("intake.urls")),
    path("cases/", include("cases.urls")),
    path("psych/", include("psych.urls")),
    path("navigation/", include("navigation.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", public_api_urls()),
    path("account/", account_page.account, name="account"),
    path("account/tokens/", account_page.token_create, name="account_token_create"),
    path("account/tokens/<int:pk>/revoke/", account_page.token_revoke, name="account_token_revoke"),
    path("admin/", admin.site.urls),
]

handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
