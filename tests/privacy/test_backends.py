"""The request's user comes with roles, 2FA policy and shared cases in one query
(fallmanagement.privacy.backends), and these are the same answers as the separate lookups."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fallmanagement.core.roles import Role, user_roles
from fallmanagement.privacy.backends import RequestUserBackend
from fallmanagement.privacy.models import RoleSecurityPolicy
from fallmanagement.privacy.security import second_factor_required
from participants.models import Participant, shared_case_ids
from tests.factories import ParticipantFactory, make_user


def test_user_roles_policy_and_shared_cases_come_in_one_query(caseworker, other_caseworker):
    shared = ParticipantFactory(caseworker=other_caseworker)
    shared.shared_with.add(caseworker)
    ParticipantFactory(caseworker=other_caseworker)  # not shared
    RoleSecurityPolicy.objects.create(role=Role.CASEWORK, require_2fa=True)
    with CaptureQueriesContext(connection) as ctx:
        user = RequestUserBackend().get_user(caseworker.pk)
        assert user_roles(user) == frozenset({Role.CASEWORK})
        assert second_factor_required(user) is True
        assert shared_case_ids(user) == [shared.pk]
        assert list(Participant.objects.visible_to(user).values_list("pk", flat=True)) == [
            shared.pk
        ]
    assert len(ctx.captured_queries) == 2  # the user, then the visible cases


def test_answers_equal_the_separate_lookups(caseworker, reporter, no_role_user, administrator):
    RoleSecurityPolicy.objects.create(role=Role.REPORTING, require_2fa=True)
    both = make_user(Role.CASEWORK, username="beide")
    both.groups.add(*reporter.groups.all())
    for someone in (caseworker, reporter, no_role_user, administrator, both):
        loaded = RequestUserBackend().get_user(someone.pk)
        fresh = get_user_model().objects.get(pk=someone.pk)
        assert user_roles(loaded) == user_roles(fresh)
        assert second_factor_required(loaded) == second_factor_required(fresh)
        assert shared_case_ids(loaded) == shared_case_ids(fresh)
    assert second_factor_required(RequestUserBackend().get_user(both.pk)) is True
    assert second_factor_required(RequestUserBackend().get_user(caseworker.pk)) is False


def test_inactive_or_unknown_users_are_not_loaded(caseworker):
    caseworker.is_active = False
    caseworker.save()
    assert RequestUserBackend().get_user(caseworker.pk) is None
    assert RequestUserBackend().get_user(987654) is None
