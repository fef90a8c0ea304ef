"""Rules of an employer partnership: a new employer's first state, and how the state changes.

angefragt → interessiert → aktiver Partner → pausiert → beendet (the transitions are
`STATE_TRANSITIONS` in models.py). A change is dated (not in the future, not before the
current state began), needs a reason for a pause or an end, is recorded as an
EmployerStateChange, and the first activation sets `partner_since`. The views and forms call
these functions; none repeats them.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Employer, EmployerStateChange

S = Employer.PartnershipState
NEEDS_REASON = (S.PAUSED, S.ENDED)


def start_partnership(employer: Employer, *, proposed_by=None) -> None:
    """Set what a new employer starts with (before it is saved): Administration's choice
    of state, or "angefragt" when a caseworker proposes it."""
    today = timezone.localdate()
    employer.state_since = today
    if proposed_by is not None:
        employer.state = S.REQUESTED
        employer.proposed_by = proposed_by
        employer.proposed_on = today
    if employer.state == S.ACTIVE:
        # An existing partnership keeps its real start (the report's "active partners on the
        # reference date" counts from it).
        employer.partner_since = employer.partner_since or today
        employer.state_since = employer.partner_since


def change_date_errors(employer: Employer, day: datetime.date) -> list[str]:
    problems = []
    if day > timezone.localdate():
        problems.append(_("Das Datum darf nicht in der Zukunft liegen."))
    if employer.state_since and day < employer.state_since:
        problems.append(
            _("Das Datum darf nicht vor dem bisherigen Stand (%(date)s) liegen.")
            % {"date": employer.state_since.strftime("%d.%m.%Y")}
        )
    return problems


def change_state(
    employer: Employer, to_state: str, day: datetime.date, reason: str, user
) -> EmployerStateChange:
    """Move the partnership to `to_state`; raises ValidationError with the reasons."""
    if to_state not in employer.allowed_states():
        raise ValidationError(_("Dieser Wechsel des Stands ist nicht möglich."))
    problems = change_date_errors(employer, day)
    if to_state in NEEDS_REASON and not reason:
        problems.append(_("Bitte einen Grund für Pause oder Ende angeben."))
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Employer.objects.select_for_update().get(pk=employer.pk)
        if locked.state != employer.state:
            raise ValidationError(_("Der Stand wurde inzwischen geändert. Bitte neu laden."))
        change = EmployerStateChange.objects.create(
            employer=employer,
            from_state=employer.state,
            to_state=to_state,
            changed_on=day,
            reason=reason,
            changed_by=user,
        )
        updates = {
            "state": to_state,
            "state_since": day,
            "state_reason": reason,
            "version": F("version") + 1,
        }
        if to_state == S.ACTIVE and not locked.partner_since:
            updates["partner_since"] = day
        Employer.objects.filter(pk=employer.pk).update(**updates)
    return change
