"""Accounts in the admin site: administrators manage logins, they do not become supervisors.

No form here grants superuser status, permissions or group membership directly. Roles are given through
role-change requests that a second administrator confirms (accounts.services); passwords set here must
be changed at next login; every change is journaled. The second-factor devices are not shown at all:
an administrator who could see or make one could log in as its owner.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm, UsernameField
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import RoleChange
from accounts.policy import is_service_account
from api.services import issue_token
from core.actor import Actor
from core.admin import NamedAdmin
from core.permissions import is_administrator
from core.roles import Role, user_roles

for registered in (User, Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(registered):
        admin.site.unregister(registered)


def _may_manage(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (is_administrator(user) or user.is_superuser))


def _report(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


class AccountCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")
        field_classes = {"username": UsernameField}


class RoleFilter(admin.SimpleListFilter):
    """Accounts by role, named in words: the role groups keep their codes (core.roles), the admin shows labels."""

    title = gettext_lazy("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        value = self.value()
        return queryset.filter(groups__name=value) if value else queryset


@admin.register(User)
class AccountAdmin(NamedAdmin, UserAdmin):
    name_accusative = pgettext_lazy("accusative", "user")
    add_form = AccountCreationForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email",
                                                             "password1", "password2")}),)  # fmt: skip
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Person"), {"fields": ("first_name", "last_name", "email")}),
        (gettext_lazy("Access"), {"fields": ("is_active", "roles", "second_factor", "last_login", "date_joined")}),
    )
    readonly_fields = ("roles", "second_factor", "last_login", "date_joined")
    list_display = ("username", "last_name", "first_name", "email", "roles", "is_active", "last_login")
    list_filter = ("is_active", RoleFilter)
    filter_horizontal = ()
    actions = ["deactivate", "issue_service_token"]

    # --- who may do what ---
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a login is deactivated, never deleted: the journal names it

    # --- columns ---
    @admin.display(description=gettext_lazy("roles"))
    def roles(self, obj: User) -> str:
        codes = user_roles(obj)
        return ", ".join(str(label) for code, label in Role.choices if code in codes) or "—"

    @admin.display(description=gettext_lazy("second factor"), boolean=True)
    def second_factor(self, obj: User) -> bool:
        return user_has_device(obj)

    # --- saving through the services ---
    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        actor = Actor.from_request(request)
        if not change:
            services.create_account(actor=actor, user=obj)
            return
        before = User.objects.get(pk=obj.pk)
        if "is_active" in form.changed_data:
            services.set_active(actor=actor, user=before, active=obj.is_active)
        other = [name for name in form.changed_data if name != "is_active"]
        if other:
            services.change_account(actor=actor, user=obj, fields=other)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error)
            return HttpResponseRedirect(request.path)

    # --- password ---
    def get_urls(self) -> list[Any]:
        own = [
            path("<id>/password/", self.admin_site.admin_view(self.set_password_view), name="auth_user_password_change")
        ]
        return own + [url for url in super().get_urls() if url.name != "auth_user_password_change"]

    def set_password_view(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not _may_manage(request):
            raise PermissionDenied
        target = get_object_or_404(User, pk=id if str(id).isdigit() else 0)
        # No old password: the owner changes this one at next login (services.set_password_for).
        form = SetPasswordForm(target, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_password_for(
                    actor=Actor.from_request(request), user=target, password=form.cleaned_data["new_password1"]
                )
            except (ValidationError, PermissionDenied) as error:
                _report(request, error)
            else:
                messages.success(
                    request,
                    _("The password of %(name)s is set. They must change it at their next login; their sessions "
                      "have ended and their API tokens were revoked.") % {"name": target.get_username()},
                )  # fmt: skip
                return HttpResponseRedirect(reverse("admin:auth_user_change", args=[target.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set the password of %(name)s") % {"name": target.get_username()},
            "form": form,
            "target": target,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/set_password.html", context)

    # --- actions ---
    @admin.action(description=gettext_lazy("Deactivate the selected accounts"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                done += services.set_active(actor=Actor.from_request(request), user=user, active=False)
            except (ValidationError, PermissionDenied) as error:
                _report(request, error)
        if done:
            messages.success(request, _("Accounts deactivated: %(count)d.") % {"count": done})

    @admin.action(description=gettext_lazy("Issue an API token (service accounts only)"))
    def issue_service_token(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        users = list(queryset[:2])
        if len(users) != 1 or not is_service_account(users[0]):
            messages.error(
                request, _("Choose one service account: people make their own tokens on their account page.")
            )
            return None
        owner = users[0]
        _token, raw = issue_token(actor=Actor.from_request(request), name=_("Issued in the admin site"), user=owner)
        context = {**self.admin_site.each_context(request), "title": _("API token"), "token": raw, "owner": owner,
                   "token_record": _token, "opts": self.opts}  # fmt: skip
        response = render(request, "admin/accounts/token_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response


class RoleChangeForm(forms.ModelForm):
    class Meta:
        model = RoleChange
        fields = ("user", "role", "kind", "reason")


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    form = RoleChangeForm
    list_display = ("requested_at", "user", "role_label", "kind", "status", "requested_by", "decided_by")
    list_filter = ("status", "kind", "role")
    search_fields = ("user__username", "user__last_name")
    autocomplete_fields = ("user",)
    actions = ["confirm", "reject"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a request is decided by the actions below, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("role"), ordering="role")
    def role_label(self, obj: RoleChange) -> str:
        return str(dict(Role.choices).get(obj.role, obj.role))

    def save_model(self, request: HttpRequest, obj: RoleChange, form: forms.ModelForm, change: bool) -> None:
        actor = Actor.from_request(request)
        if obj.kind == RoleChange.Kind.REMOVE:
            saved = services.remove_role(actor=actor, user=obj.user, role=obj.role)
        else:
            saved = services.request_role(actor=actor, user=obj.user, role=obj.role, reason=obj.reason)
        obj.pk = saved.pk

    def response_add(self, request: HttpRequest, obj: RoleChange, post_url_continue: str | None = None) -> HttpResponse:
        obj.refresh_from_db()
        if obj.status == RoleChange.Status.PENDING:
            messages.info(
                request,
                _("The request waits for a second administrator: the role “%(role)s” opens citizens' records.")
                % {"role": self.role_label(obj)},
            )
        else:
            messages.success(request, _("Done: %(change)s.") % {"change": str(obj)})
        return HttpResponseRedirect(reverse("admin:accounts_rolechange_changelist"))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error)
            return HttpResponseRedirect(request.path)

    @admin.action(description=gettext_lazy("Confirm the selected requests"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[RoleChange]) -> None:
        self._decide(request, queryset, services.confirm_role, _("Requests confirmed: %(count)d."))

    @admin.action(description=gettext_lazy("Refuse the selected requests"))
    def reject(self, request: HttpRequest, queryset: QuerySet[RoleChange]) -> None:
        self._decide(request, queryset, services.reject_role, _("Requests refused: %(count)d."))

    def _decide(self, request: HttpRequest, queryset: QuerySet[RoleChange], decide: Any, done_text: str) -> None:
        done = 0
        for change in queryset.select_related("user", "requested_by"):
            try:
                decide(actor=Actor.from_request(request), change=change)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                _report(request, error)
        if done:
            messages.success(request, done_text % {"count": done})
