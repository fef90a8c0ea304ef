"""Logging filters used by settings.LOGGING (loaded before the apps, so no models here)."""

import logging
import re


class StripQueryStringFilter(logging.Filter):
    """Logging filter: cut query strings from every logged URL (names, search terms ...).

    Installed on the console handler (settings.LOGGING), so the development server's request
    lines (`django.server`) and any other log line carry paths only.
    """

    URL_WITH_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = self.URL_WITH_QUERY.sub(r"\1", message)
            record.args = ()
        return True
