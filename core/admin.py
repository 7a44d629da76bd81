"""Django admin is for reference data and accounts, and only for administrators."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpRequest
from django.utils.translation import gettext
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


class NamedAdmin(admin.ModelAdmin):
    """Titles that read right in Russian: «Выберите программу», not «Выберите программа».

    Django puts the verbose name, in the nominative, into "Select %s to change", "Add %s" and "Change %s";
    a model whose accusative differs names it in ``name_accusative`` (``pgettext_lazy("accusative", ...)``).
    The add button and the breadcrumbs read ``add_title`` (templates/admin/).
    """

    name_accusative: Any = None

    def _accusative(self) -> str:
        return str(self.name_accusative or self.opts.verbose_name)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.GET.get(IS_POPUP_VAR):
            title = gettext("Select %s")
        elif self.has_change_permission(request):
            title = gettext("Select %s to change")
        else:
            title = gettext("Select %s to view")
        context = {"title": title % self._accusative(), "add_title": gettext("Add %s") % self._accusative()}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        if object_id is None:
            title = gettext("Add %s")
        elif self.has_change_permission(request):
            title = gettext("Change %s")
        else:
            title = gettext("View %s")
        context = {"title": title % self._accusative(), "add_title": gettext("Add %s") % self._accusative()}
        return super().changeform_view(request, object_id, form_url, {**context, **(extra_context or {})})
