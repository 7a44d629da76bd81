from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

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
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "okrug", "phone", "is_active"]
    list_filter = ["kind", "okrug", "is_active"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["districts", "programmes"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["full_name", "kind", "organisation", "position", "is_active"]
    list_filter = ["kind", "organisation__kind", "is_active"]
    search_fields = ["surname", "given_name", "user__username"]
    autocomplete_fields = ["organisation", "user"]
    filter_horizontal = ["districts", "skills"]


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
