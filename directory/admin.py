from django.contrib import admin

from directory.models import District, Okrug, Organisation, Programme, Skill, Worker


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
