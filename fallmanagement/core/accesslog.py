"""The access-log hook: every view or export of personal data is reported here.

Core only defines the hook, so that every layer can call it without importing the privacy
app; `fallmanagement.privacy` connects the receiver that stores the append-only `AccessLog`
row (in the same transaction as the request's other writes).
"""

from django.db import models
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("Angesehen")
    EXPORT = "export", _("Exportiert")
    PDF = "pdf", _("PDF erstellt")
    SEARCH = "search", _("Gesucht")


def stored_path(request: HttpRequest | None) -> str:
    """The request's path as a log may store it: without the query string, at most 300
    characters, control characters (a NUL byte, which PostgreSQL refuses in text) replaced."""
    if request is None:
        return ""
    path = request.path[:300]
    return "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in path)


# Sent with: user, username, action, participant_id, object_type, object_id, path.
data_accessed = Signal()


def log_access(
    request: HttpRequest,
    action: str,
    obj: models.Model | None = None,
    *,
    participant_id: int | None = None,
    object_type: str | None = None,
) -> None:
    """Record that the current user viewed/exported `obj` (path only, never the query string)."""
    if participant_id is None and obj is not None:
        participant_id = getattr(obj, "participant_id", None)
        if participant_id is None and obj._meta.model_name == "participant":
            participant_id = obj.pk
    user = request.user if request.user.is_authenticated else None
    data_accessed.send(
        sender=log_access,
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        participant_id=participant_id,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        path=stored_path(request),
    )
