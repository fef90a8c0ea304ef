"""Admin for employers and network partners (Administration)."""

from django.contrib import admin

from .models import ContactPerson, Employer, EmployerField, NetworkContactPerson, NetworkPartner


class EmployerFieldInline(admin.TabularInline):
    model = EmployerField
    extra = 0


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "city", "state", "is_active"]
    list_filter = ["state", "is_active", "is_training_company"]
    search_fields = ["name", "city"]
    inlines = [EmployerFieldInline, ContactPersonInline]


class NetworkContactInline(admin.TabularInline):
    model = NetworkContactPerson
    extra = 0


@admin.register(NetworkPartner)
class NetworkPartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "topics"]
    inlines = [NetworkContactInline]
