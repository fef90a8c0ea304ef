"""The benchmark's own parts (bench/): baseline pages only in the bench URLconf, the SQL timer,
the verdicts against the targets of issue 19."""

import pytest
from django.db import connection

from bench import run
from bench import settings as bench_settings
from fallmanagement.privacy.models import AccessLog
from tests.factories import ParticipantFactory


def test_baseline_pages_are_not_served_by_the_app(caseworker_client):
    assert caseworker_client.get("/__bench__/caseload/").status_code == 404


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"
    settings.TEMPLATES = bench_settings.TEMPLATES


def test_baseline_caseload_lists_only_visible_cases_and_logs_the_access(
    bench_urls, caseworker, other_caseworker, caseworker_client
):
    ParticipantFactory(caseworker=caseworker, last_name="Eigenfall")
    ParticipantFactory(caseworker=other_caseworker, last_name="Fremdfall")
    before = AccessLog.objects.count()
    response = caseworker_client.get("/__bench__/caseload/")
    assert response.status_code == 200
    assert "Eigenfall" in response.content.decode()
    assert "Fremdfall" not in response.content.decode()
    assert AccessLog.objects.count() == before + 1


def test_baseline_case_file_is_404_outside_the_visible_cases(
    bench_urls, other_caseworker, caseworker_client
):
    foreign = ParticipantFactory(caseworker=other_caseworker)
    assert caseworker_client.get(f"/__bench__/case/{foreign.pk}/").status_code == 404


def test_baseline_pages_answer_anonymous_users_with_the_login(bench_urls, client):
    assert client.get("/__bench__/start/").status_code == 302


def test_sql_timer_counts_and_times_every_query(db):
    timer = run.SqlTimer()
    with connection.execute_wrapper(timer), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.02)")
        cursor.execute("SELECT 1")
    assert timer.queries == 2
    assert 0.02 <= timer.seconds < 1


def _result(ratio, rps, healthz_queries, cookies=()):
    page = {
        "name": "caseload list",
        "target": True,
        "main": True,
        "state": "ok",
        "ratio": ratio,
        "p95_ms": 99.9,
        "queries": 12,
    }
    return {
        "only": "all",
        "users": 20,
        "pages": [page],
        "throughput": {"caseload list": {"requests_per_second": rps}},
        "healthz": {
            "inprocess": {"queries": healthz_queries, "set_cookie": list(cookies)},
            "http": {"set_cookie": []},
        },
        "report": None,
    }


def _verdicts(result):
    return {t["target"].split(":")[0]: t["result"] for t in run.evaluate(result)}


def test_targets_pass_at_their_limits():
    verdicts = _verdicts(_result(ratio=2.5, rps=200, healthz_queries=1))
    assert verdicts == {
        "ratio server/SQL <= 2.5": "PASS",
        "p95 < 100 ms": "PASS",
        "<= 12 queries": "PASS",
        "caseload list >= 200 req/s at 20 users": "PASS",
        "/healthz": "PASS",
    }


def test_targets_fail_just_beyond_their_limits():
    verdicts = _verdicts(_result(ratio=2.51, rps=199.9, healthz_queries=2))
    assert verdicts["ratio server/SQL <= 2.5"] == "FAIL"
    assert verdicts["caseload list >= 200 req/s at 20 users"] == "FAIL"
    assert verdicts["/healthz"] == "FAIL"


def test_healthz_fails_when_it_sets_a_cookie():
    verdicts = _verdicts(_result(ratio=2, rps=300, healthz_queries=1, cookies=["sessionid"]))
    assert verdicts["/healthz"] == "FAIL"
