"""The Stammblatt: a one- or two-page PDF summary of a case for a substitute or the Jobcenter
(master data, permits, languages, experience, interests, recognition, placements, open goals and
follow-ups, and what the intake still lacks). Access-logged like every view of case data."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fallmanagement.core.accesslog import AccessAction
from fallmanagement.core.pdf import render_pdf
from fallmanagement.core.roles import Role, role_required
from participants.models import Goal, Participant
from participants.queries import visible_participant
from participants.workflow import intake_gaps
from placements.models import Placement

from .casefile import permit_warnings


def stammblatt_context(participant: Participant) -> dict:
    languages = list(participant.languages.order_by("language", "pk"))
    return {
        "participant": participant,
        "today": timezone.localdate(),
        "programme": settings.PROGRAMME,
        "languages": languages,
        "experiences": list(participant.experiences.select_related("kldb_group").order_by("pk")),
        "interest_groups": list(participant.interest_groups.order_by("code")),
        "recognitions": list(participant.recognitions.order_by("pk")),
        "placements": list(
            Placement.objects.filter(participant=participant)
            .select_related("employer")
            .order_by("-planned_start", "-pk")[:5]
        ),
        "open_goals": list(participant.goals.filter(state=Goal.State.OPEN).order_by("pk")),
        "open_followups": list(
            participant.followups.filter(done_on__isnull=True).order_by("due_on", "pk")[:5]
        ),
        "permit_warnings": permit_warnings(participant, timezone.localdate()),
        "intake_gaps": intake_gaps(participant, has_languages=bool(languages)),
    }


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def stammblatt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    participant = visible_participant(
        request, pk, select_related=("caseworker",), action=AccessAction.PDF
    )
    pdf = render_pdf("pdf/stammblatt.html", stammblatt_context(participant))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="stammblatt-{participant.pk}.pdf"'
    return response
