"""Search, filters and sorting of the employer list and the network directory (django-filter)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from fallmanagement.core.models import KldbArea

from .models import Employer, EmployerField, NetworkPartner


class EmployerFilter(django_filters.FilterSet):
    """Expects a queryset annotated with `free_now` (see matching.with_free_capacity_now)."""

    q = django_filters.CharFilter(label=_("Suche (Name, Ort)"), method="search")
    state = django_filters.ChoiceFilter(
        label=_("Partnerschaft"),
        choices=Employer.PartnershipState.choices,
        empty_label=_("alle"),
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Berufsbereich (KldB)"),
        queryset=KldbArea.objects.all(),
        method="filter_area",
        empty_label=_("alle"),
    )
    free_now = django_filters.BooleanFilter(
        label=_("nur mit freiem Platz heute"),
        method="filter_free_now",
        widget=forms.CheckboxInput,
    )
    is_training_company = django_filters.BooleanFilter(
        label=_("nur Ausbildungsbetriebe"),
        method="filter_training",
        widget=forms.CheckboxInput,
    )
    show_inactive = django_filters.BooleanFilter(
        label=_("auch deaktivierte Betriebe"),
        method="filter_inactive",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.OrderingFilter(
        label=_("Sortierung"),
        fields=(("name", "name"), ("city", "city"), ("state", "state"), ("free_now", "free_now")),
        field_labels={
            "name": _("Name"),
            "city": _("Ort"),
            "state": _("Partnerschaft"),
            "free_now": _("freie Plätze"),
        },
        empty_label=_("Name (Standard)"),
    )

    class Meta:
        model = Employer
        fields = ["q", "state", "area", "free_now", "is_training_company", "show_inactive"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cleaned = getattr(self.form, "cleaned_data", {})
        if not cleaned.get("show_inactive"):
            queryset = queryset.filter(is_active=True)
        if cleaned.get("sort"):
            # A stable order for pagination: the chosen column, then the name.
            return queryset.order_by(*queryset.query.order_by, "name", "pk")
        return queryset.order_by("name", "pk")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(city__icontains=value) | Q(postcode__startswith=value)
        )

    def filter_area(self, queryset, name, value):
        if not value:
            return queryset
        fields = EmployerField.objects.filter(employer_id=OuterRef("pk"), kldb_group__area=value)
        return queryset.filter(Exists(fields))

    def filter_free_now(self, queryset, name, value):
        return queryset.filter(free_now__gt=0) if value else queryset

    def filter_training(self, queryset, name, value):
        return queryset.filter(is_training_company=True) if value else queryset

    def filter_inactive(self, queryset, name, value):
        return queryset  # applied in `qs`: deactivated employers are hidden unless asked for


class NetworkPartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Suche (Name, Thema)"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("Art"), choices=NetworkPartner.Kind.choices, empty_label=_("alle")
    )

    class Meta:
        model = NetworkPartner
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(topics__icontains=value) | Q(notes__icontains=value)
        )
