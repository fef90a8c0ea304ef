"""Helpers that let a model's rules (clean(), constraints) reach every form and command.

A model's `clean()` names the field an error belongs to; a form that does not show that
field (the admin's reassignment form, an edit form without the actual dates) would fail on
it. `ModelRulesFormMixin` shows such errors at the top of the form instead.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class DatabaseTomorrow(models.Func):
    """SQL `CURRENT_DATE + 1`, for CHECK constraints on "what happened is not in the future".

    The database clock runs in UTC while the office's day is Europe/Berlin, so the
    constraints allow one day of slack; the model's `clean()` holds the exact rule (today is
    `timezone.localdate()`). A date that passed the check never fails it later.
    """

    template = "(CURRENT_DATE + 1)"
    output_field = models.DateField()
    arity = 0


class ModelRulesFormMixin:
    """Errors of the model's rules on fields the form does not show go to the top."""

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            remapped: dict[str, list] = {}
            for name, errors in error.error_dict.items():
                key = name if name == NON_FIELD_ERRORS or name in self.fields else NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(errors)
            error = ValidationError(remapped)
        super().add_error(field, error)


def error_messages(error: ValidationError) -> list[str]:
    """All messages of a ValidationError, in order, without duplicates."""
    return list(dict.fromkeys(error.messages))


@dataclass(frozen=True)
class RuleCheck:
    """One rule re-checked in plain SQL over all rows, independent of the Python that
    enforces it: `manage.py check_rules` lists what `sql` finds, and the property-based test
    asserts that it finds nothing. `sql` returns (participant id, row id) of each breaking
    row and may use the parameter %(today)s (the office's today)."""

    name: str
    description: str
    sql: str
