"""Registration for the audit trail and the append-only guard.

A domain model asks to have its changes recorded

A model file calls `record_history(Model, ...)` (as ephios' `register_model_for_logging`);
`fallmanagement.privacy` builds the event models and triggers for everything registered
here, and guards the tables registered with `keep_append_only` (issued reports, logs).
Core imports no app of ours, so the other apps never import the privacy app.
"""

from django.db import models

_registered: list[type[models.Model]] = []
_append_only: dict[type[models.Model], str | None] = {}


def record_history(*model_classes: type[models.Model]) -> None:
    """Record every insert, update and delete of these models in the audit trail."""
    for model in model_classes:
        if model not in _registered:
            _registered.append(model)


def history_models() -> tuple[type[models.Model], ...]:
    """The models registered so far, in registration order."""
    return tuple(_registered)


def keep_append_only(model: type[models.Model], *, nullable: str | None = None) -> None:
    """Rows of `model` are never changed or removed by the application (the privacy app's
    database guard); `nullable` names the one foreign key the database may still set to NULL
    (ON DELETE SET NULL of a deleted user account)."""
    _append_only[model] = nullable


def append_only_models() -> dict[type[models.Model], str | None]:
    return dict(_append_only)
