"""The session engine: Django's database sessions, written only when they changed or when the
idle timeout has to move on.

SESSION_SAVE_EVERY_REQUEST slides the 30-minute idle timeout forward on every request, and
Django's database backend pays for that with BEGIN, UPDATE, COMMIT on every page view. This
store skips the write while the stored expiry is less than SESSION_REFRESH_SECONDS (60 s)
behind the one the request would write: the idle timeout then ends between 29 and 30 minutes
after the last request instead of exactly 30. A session that changed (login, messages, a stored
search, 2FA) is always written.
"""

import datetime

from django.conf import settings
from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    _stored_expiry: datetime.datetime | None = None

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self._stored_expiry = session.expire_date if session is not None else None
        return session

    def save(self, must_create=False):
        if (
            not must_create
            and not self.modified
            and self._stored_expiry is not None
            and self.session_key is not None
        ):
            refresh = datetime.timedelta(seconds=getattr(settings, "SESSION_REFRESH_SECONDS", 60))
            if self.get_expiry_date() - self._stored_expiry < refresh:
                return
        super().save(must_create=must_create)
        self._stored_expiry = None
