"""Django admin is for reference data and accounts, and only for administrators."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class OporaAdminSite(admin.AdminSite):
    site_header = _("Opora administration")
    site_title = _("Opora administration")
    index_title = _("Reference data and accounts")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        # The administrator's role (core.use_admin), not Django's is_staff flag: a role is given only on a
        # second administrator's confirmation (accounts), while is_staff is a bare column.
        return bool(user.is_active and user.has_perm("core.use_admin"))


class OporaAdminConfig(AdminConfig):
    default_site = "core.admin.OporaAdminSite"
