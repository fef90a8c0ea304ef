"""Helpers that let a model's rules (clean(), constraints) reach every form and command.

A model's `clean()` names the field an error belongs to; a form that does not show that
field (the admin's reassignment form, an edit form without the actual dates) would fail on
it. `ModelRulesFormMixin` shows such errors at the top of the form instead.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class DatabaseTomorrow(models.Func):
    """SQL "the office's today + 1", for CHECK constraints on "what happened is not in the
    future".

    The day is the office's day (`settings.TIME_ZONE`), taken from the database clock in that
    zone, not `CURRENT_DATE`: that one follows the session's `TimeZone` (UTC for Django's
    connections), so between midnight in Berlin and midnight UTC the office's tomorrow was
    refused, and a session could widen the window with `SET TIME ZONE`. One day of slack for
    clocks of app and database servers that disagree around midnight; the model's `clean()`
    holds the exact rule (today is `timezone.localdate()`). A date that passed the check never
    fails it later.
    """

    output_field = models.DateField()
    arity = 0

    def as_sql(self, compiler, connection, **extra_context):
        zone = settings.TIME_ZONE
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", zone):  # a literal in DDL: no quoting tricks
            raise ValueError(f"TIME_ZONE {zone!r} is not a time zone name")
        return f"((CURRENT_TIMESTAMP AT TIME ZONE '{zone}')::date + 1)", []


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
