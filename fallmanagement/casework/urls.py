"""URLs of the composed pages: the case file (Fallakte) with its timeline entries and the
full lists of "Meine Woche", joined to the "participants" namespace, and the employer pages,
joined to the "employers" namespace (see fallmanagement/urls.py)."""

from django.urls import path

from . import casefile, documents, employers, myweek, stammblatt

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
    path(
        "<int:pk>/wiedervorlagen/<int:followup_pk>/wieder-offen/",
        casefile.followup_reopen,
        name="followup_reopen",
    ),
    path("<int:pk>/notizen/<int:note_pk>/korrigieren/", casefile.note_edit, name="note_edit"),
    path("<int:pk>/status/", casefile.status_change, name="status_change"),
    path("<int:pk>/stammblatt.pdf", stammblatt.stammblatt_pdf, name="stammblatt"),
    path("<int:pk>/dokumente/neu/", documents.document_add, name="document_add"),
    path(
        "<int:pk>/dokumente/<int:document_pk>/",
        documents.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/dokumente/<int:document_pk>/loeschen/",
        documents.document_delete,
        name="document_delete",
    ),
    # "Meine Woche" (start page): the full lists and ticking a follow-up off in place.
    path("woche/<slug:key>/", myweek.full_list, name="week_list"),
    path(
        "woche/wiedervorlagen/<int:pk>/erledigt/",
        myweek.followup_tick,
        name="week_followup_tick",
    ),
    path(
        "woche/wiedervorlagen/<int:pk>/wieder-offen/",
        myweek.followup_untick,
        name="week_followup_untick",
    ),
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
