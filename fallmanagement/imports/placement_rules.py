"""The one door through which an import reaches the placement rules.

The rules live in the placements app (`Placement.clean()`, i.e. `Placement.rule_errors`, and
`placements.workflow`). An imported placement passes exactly what a typed one passes. Row by
row, `full_clean()` runs `Placement.clean()` and the database constraints, and `save_checked`
turns a refused constraint into a German message. In a batch, the same `rule_errors` runs
against the participant's other placements the import already holds in memory (the database's
and the file's), and the database constraints are checked when the batch is written.
"""

from django.core.exceptions import ValidationError

from placements import workflow as placement_workflow
from placements.models import Placement


def check(placement: Placement, others: list[Placement] | None = None) -> None:
    """Raise ValidationError (German, keyed by field) if the placement breaks a rule.
    `others`: the participant's other placements, if the caller has them (batched import)."""
    if others is None:
        placement.full_clean()
        return
    errors: dict = {}
    relations = [f.name for f in placement._meta.concrete_fields if f.is_relation]
    try:
        placement.clean_fields(exclude=relations)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name, messages in placement.rule_errors(others).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def save(placement: Placement) -> None:
    placement_workflow.save_checked(placement)
