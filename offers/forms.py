"""Forms of the offer catalogue, of referring and of a referral's steps."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import NetworkContactPerson, NetworkPartner
from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.widgets import GermanBlankChoiceMixin
from participants.casefile_forms import DateInput
from participants.models import Goal, Participant

from .models import Offer, Referral
from .workflow import TRANSITIONS, S


def offer_label(offer: Offer) -> str:
    dates = ""
    if offer.starts_on:
        dates = f" ab {offer.starts_on:%d.%m.%Y}"
    return f"{offer.title} – {offer.partner.name} ({offer.get_kind_display()}{dates})"


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return offer_label(obj)


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.partner.name})"


class OfferForm(GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm):
    """Administration keeps the catalogue."""

    contact = ContactChoiceField(
        queryset=NetworkContactPerson.objects.select_related("partner").order_by(
            "partner__name", "name", "pk"
        ),
        required=False,
        label=_("Ansprechperson"),
    )

    class Meta:
        model = Offer
        fields = [
            "partner",
            "title",
            "kind",
            "target_level",
            "starts_on",
            "ends_on",
            "schedule",
            "place",
            "places",
            "funding",
            "contact",
            "notes",
            "is_active",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = NetworkPartner.objects.filter(is_active=True).order_by(
            "name", "pk"
        )
        self.fields["places"].widget.attrs.update(min=1, max=1000)


class OneOffOfferForm(GermanBlankChoiceMixin, forms.ModelForm):
    """An offer that is not in the catalogue, recorded by the caseworker while referring."""

    class Meta:
        model = Offer
        fields = ["partner", "title", "kind", "target_level", "starts_on", "ends_on", "place"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "einzel")
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = NetworkPartner.objects.filter(is_active=True).order_by(
            "name", "pk"
        )


class ReferralForm(GermanBlankChoiceMixin, forms.ModelForm):
    """Refer a participant: an offer of the catalogue, or (leave it empty) a one-off offer."""

    offer = OfferChoiceField(
        queryset=Offer.objects.none(),
        required=False,
        label=_("Angebot aus dem Katalog"),
        help_text=_(
            "Leer lassen und unten ein Einzelangebot erfassen, wenn es nicht im Katalog ist."
        ),
    )

    class Meta:
        model = Referral
        fields = ["offer", "goal", "proposed_on", "notes"]
        widgets = {"proposed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, participant: Participant, **kwargs):
        kwargs.setdefault("initial", {"proposed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = (
            Offer.objects.catalogue()
            .bookable(timezone.localdate())
            .select_related("partner")
            .order_by("kind", "starts_on", "title", "pk")
        )
        self.fields["goal"].queryset = Goal.objects.filter(
            participant=participant, state=Goal.State.OPEN
        ).order_by("-agreed_on", "pk")
        self.fields["goal"].required = False

    def clean_proposed_on(self):
        value = self.cleaned_data["proposed_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Das Datum darf nicht in der Zukunft liegen."))
        return value


class ReferralEditForm(GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["goal", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(
            participant_id=self.instance.participant_id
        ).order_by("-agreed_on", "pk")


class TransitionForm(forms.Form):
    """One step of a referral: its date, and for the end the outcome."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Datum"), widget=DateInput())

    def __init__(self, *args, referral: Referral, action: str, **kwargs):
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {"date": timezone.localdate(), "version": referral.version})
        super().__init__(*args, **kwargs)
        self.action = action
        self.transition = TRANSITIONS[action]
        target = self.transition.target
        if target == S.COMPLETED:
            self.fields["certificate"] = forms.CharField(
                label=_("Zertifikat / Nachweis"), max_length=300, required=False
            )
            if referral.offer.is_language_course:
                self.fields["level_reached"] = forms.ChoiceField(
                    label=_("Erreichtes Niveau (GER)"),
                    choices=[("", _("– kein Nachweis –")), *Participant.GermanLevel.choices],
                    required=False,
                    help_text=_(
                        "Mit Nachweis wird das Niveau in die Deutschkenntnisse übernommen."
                    ),
                )
        if target in (S.COMPLETED, S.ABORTED, S.NOT_TAKEN_UP):
            self.fields["outcome_notes"] = forms.CharField(
                label=_("Ergebnis") if target == S.COMPLETED else _("Grund"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=target != S.COMPLETED,
            )
