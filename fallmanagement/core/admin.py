"""Admin for the reference data (KldB 2010)."""

from django.contrib import admin

from .models import KldbArea, KldbGroup, KldbOccupation


@admin.register(KldbArea)
class KldbAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(KldbGroup)
class KldbGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "area"]
    list_filter = ["area"]


@admin.register(KldbOccupation)
class KldbOccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "group"]
    list_filter = ["level", "group"]
    search_fields = ["code", "name"]
