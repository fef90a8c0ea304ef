"""Admin for employers and network partners (Administration)."""

from django.contrib import admin

from .models import (
    ContactPerson,
    Employer,
    EmployerContact,
    EmployerField,
    EmployerStateChange,
    NetworkContactPerson,
    NetworkPartner,
)


class EmployerFieldInline(admin.TabularInline):
    model = EmployerField
    extra = 0
    autocomplete_fields = ["kldb_occupation"]


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


class EmployerContactInline(admin.TabularInline):
    model = EmployerContact
    extra = 0
    fields = ["date", "kind", "contact_person", "text", "author"]
    readonly_fields = ["author"]


class EmployerStateChangeInline(admin.TabularInline):
    """The partnership history is evidence: read-only here, changed through the app."""

    model = EmployerStateChange
    extra = 0
    fields = ["changed_on", "from_state", "to_state", "reason", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "city", "state", "is_active"]
    list_filter = ["state", "is_active", "is_training_company"]
    search_fields = ["name", "city"]
    readonly_fields = ["proposed_by", "proposed_on"]
    inlines = [
        EmployerFieldInline,
        ContactPersonInline,
        EmployerContactInline,
        EmployerStateChangeInline,
    ]


class NetworkContactInline(admin.TabularInline):
    model = NetworkContactPerson
    extra = 0


@admin.register(NetworkPartner)
class NetworkPartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "topics"]
    inlines = [NetworkContactInline]
