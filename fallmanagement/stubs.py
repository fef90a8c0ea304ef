"""Placeholder views for URL names that other apps link to before their pages exist.

Each helper replaces its stubs with real views; the lead deletes this module once none is
left. A stub answers 404 for everybody.
"""

from django.http import Http404


def not_yet(request, *args, **kwargs):
    raise Http404
