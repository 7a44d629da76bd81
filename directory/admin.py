from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin import NamedAdmin
from core.validators import fold_name
from directory.models import DiagnosisCode, District, Okrug, Organisation, Programme, Skill, Worker


@admin.register(Okrug)
class OkrugAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "okrug", "kind", "population"]
    list_filter = ["okrug", "kind"]
    search_fields = ["name"]


@admin.register(Programme)
class ProgrammeAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "programme")
    list_display = ["name", "code", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "organisation")
    list_display = ["name", "kind", "okrug", "phone", "is_active"]
    list_filter = ["kind", "okrug", "is_active"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["districts", "programmes"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


class OrganisationKindFilter(admin.ChoicesFieldListFilter):
    """The organisation's kind, titled apart from the worker's own kind (both are «вид»)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = str(_("organisation kind"))


@admin.register(Worker)
class WorkerAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "worker")
    list_display = ["full_name", "kind", "organisation", "position", "is_active"]
    list_filter = ["kind", ("organisation__kind", OrganisationKindFilter), "is_active"]
    search_fields = ["surname", "given_name", "user__username"]
    autocomplete_fields = ["organisation", "user"]
    filter_horizontal = ["districts", "skills"]

    @admin.display(description=_("full name"), ordering="surname")
    def full_name(self, obj: Worker) -> str:
        return obj.full_name


@admin.register(DiagnosisCode)
class DiagnosisCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "block_code", "is_active"]
    list_filter = ["is_active", "block_code"]
    # The name is searched in its folded column: SQLite compares Cyrillic case-sensitively.
    search_fields = ["code", "name_folded"]
    raw_id_fields = ["parent"]

    def has_delete_permission(self, request: HttpRequest, obj: DiagnosisCode | None = None) -> bool:
        return False  # referrals name codes; a code that leaves ICD-10 is deactivated instead

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[DiagnosisCode], search_term: str
    ) -> tuple[QuerySet[DiagnosisCode], bool]:
        return super().get_search_results(request, queryset, fold_name(search_term))
