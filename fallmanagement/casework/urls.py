"""URLs of the composed pages: the case file (Fallakte) with its timeline entries, joined to
the "participants" namespace, and the employer pages, joined to the "employers" namespace
(see fallmanagement/urls.py)."""

from django.urls import path

from . import casefile, employers

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

employer_urlpatterns = [
    path("", employers.employer_list, name="list"),
    path("export.csv", employers.export_csv, name="export"),
    path("<int:pk>/", employers.detail, name="detail"),
    path("<int:pk>/kontakte/neu/", employers.contact_add, name="contact_add"),
    path("passend/<int:participant_pk>/", employers.matching, name="matching"),
    path(
        "<int:pk>/passende-teilnehmende/",
        employers.matching_participants_page,
        name="seeking",
    ),
    path("netzwerk/<int:pk>/", employers.network_detail, name="network_detail"),
]
