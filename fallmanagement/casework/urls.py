"""URLs of the case file (Fallakte) and its timeline entries."""

from django.urls import path

from . import casefile

participant_urlpatterns = [
    path("<int:pk>/", casefile.detail, name="detail"),
    path("<int:pk>/notizen/neu/", casefile.note_add, name="note_add"),
    path("<int:pk>/ziele/neu/", casefile.goal_add, name="goal_add"),
    path("<int:pk>/ziele/<int:goal_pk>/abschliessen/", casefile.goal_close, name="goal_close"),
    path("<int:pk>/wiedervorlagen/neu/", casefile.followup_add, name="followup_add"),
    path(
        "<int:pk>/wiedervorlagen/<int:followup_pk>/erledigt/",
        casefile.followup_done,
        name="followup_done",
    ),
    path("<int:pk>/anerkennung/neu/", casefile.recognition_add, name="recognition_add"),
    path(
        "<int:pk>/anerkennung/<int:recognition_pk>/",
        casefile.recognition_edit,
        name="recognition_edit",
    ),
    path("<int:pk>/status/", casefile.status_change, name="status_change"),
]
