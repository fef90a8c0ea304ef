"""Recall and precision of the name search and the duplicate check on a list of real-world
variant spellings (tests/participants/data/name_variants.tsv: German and English/French
transliterations, joined articles, compounds; Arabic, Persian, Turkish, Kurdish, Tigrinya,
Ukrainian/Russian names).

Every spelling becomes a participant; each spelling is searched for. A hit is right when it is
the same name (the pairs joined into classes), wrong otherwise.
"""

import datetime
from pathlib import Path

import pytest
from django.db import connection

from participants.models import Participant
from participants.queries import possible_duplicates, search
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "name_variants.tsv"
# Measured on the list (233 pairs, printed by the tests below). Name key of migration 0006:
# search recall 0.923, precision 0.667; duplicate check recall 0.863, precision 0.803.
# Name key of 0011 (s/z/ts, Slavic -ij/-ej/je-, final t, Abu/Abdullah, an-, ddsch): search
# recall 0.974, precision 0.664 (the search matches the start of names, so "Ali" also lists
# "Alina": it ranks, the duplicate check decides); duplicate check recall 0.961, precision
# 0.807. Still missed: Othman/Osman, Saeed/Sayed, Aisha/Ayesha, Aicha/Aischa, Zahra/Zara (an
# unwritten h would make Zahra = Sara), Şahin/Schahin (sh = s would make Shadi = Said).
# A change of the name key that lowers them must say why.
MIN_RECALL = 0.97
MIN_PRECISION = 0.66
MIN_DUPLICATE_RECALL = 0.95
MIN_DUPLICATE_PRECISION = 0.80


def variant_pairs() -> list[tuple[str, str]]:
    pairs = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b, _origin = line.split("\t")
            pairs.append((a, b))
    return pairs


def name_classes(pairs) -> dict[str, int]:
    """Union-find: spellings linked by pairs are one name."""
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    roots = {}
    return {name: roots.setdefault(find(name), len(roots)) for name in list(parent)}


def test_the_list_has_at_least_200_pairs():
    pairs = variant_pairs()
    assert len(pairs) >= 200
    assert all(a != b for a, b in pairs)


@pytest.fixture
def population(caseworker):
    pairs = variant_pairs()
    classes = name_classes(pairs)
    people = {}
    for spelling in classes:
        # The spelling as the whole name (first name + a neutral last name "X").
        people[spelling] = ParticipantFactory(
            caseworker=caseworker, first_name=spelling, last_name="X"
        )
    return pairs, classes, people


def test_search_recall_and_precision(population, capsys):
    pairs, classes, people = population
    by_pk = {p.pk: name for name, p in people.items()}
    found_pairs = 0
    right = wrong = 0
    missed = []
    for a, b in pairs:
        hits = {
            by_pk[pk] for pk in search(Participant.objects.all(), a).values_list("pk", flat=True)
        }
        if b in hits:
            found_pairs += 1
        else:
            missed.append(f"{a} -> {b}")
        for hit in hits:
            if classes[hit] == classes[a]:
                right += 1
            else:
                wrong += 1
    recall = found_pairs / len(pairs)
    precision = right / (right + wrong)
    with capsys.disabled():
        print(
            f"\nname search: recall {recall:.3f} ({found_pairs}/{len(pairs)}), "
            f"precision {precision:.3f} ({right}/{right + wrong}); missed: {', '.join(missed)}"
        )
    assert recall >= MIN_RECALL
    assert precision >= MIN_PRECISION


def test_duplicate_check_recall_and_precision(population, capsys):
    pairs, classes, people = population
    by_pk = {p.pk: name for name, p in people.items()}
    found_pairs = right = wrong = 0
    for a, b in pairs:
        hits = {
            by_pk[pk]
            for pk in possible_duplicates(a, "X", people[b].date_of_birth).values_list(
                "pk", flat=True
            )
        }
        found_pairs += b in hits
        right += sum(1 for hit in hits if classes[hit] == classes[a])
        wrong += sum(1 for hit in hits if classes[hit] != classes[a])
    recall, precision = found_pairs / len(pairs), right / (right + wrong)
    with capsys.disabled():
        print(f"\nduplicate check: recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= MIN_DUPLICATE_RECALL
    assert precision >= MIN_DUPLICATE_PRECISION


def test_joined_article_and_k_for_q_with_same_birth_date_is_a_duplicate(caseworker):
    existing = ParticipantFactory(
        caseworker=caseworker,
        first_name="Husein",
        last_name="Al Qasin",
        date_of_birth=datetime.date(1990, 5, 1),
    )
    assert list(possible_duplicates("Husein", "Alkasin", datetime.date(1990, 5, 1))) == [existing]


@pytest.mark.parametrize("term", ["Resa", "Kusnezow", "Abubakar"])
def test_the_search_can_use_the_trigram_index_of_the_name_keys(caseworker, term):
    # Tiny table: the planner would scan it; without sequential scans (and without the order
    # by name, served by another index) it must be able to answer from the trigram index.
    ParticipantFactory(caseworker=caseworker, first_name="Reza", last_name="Kuznetsov")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = search(Participant.objects.all(), term).order_by().explain()
    assert "participant_keys_trgm" in plan, plan


def test_new_spellings_find_each_other(caseworker):
    reza = ParticipantFactory(caseworker=caseworker, first_name="Reza", last_name="Kuznetsov")
    for term in ("Resa", "Kusnezow", "Resa Kusnezow"):
        assert list(search(Participant.objects.all(), term)) == [reza], term
    assert list(possible_duplicates("Resa", "Kusnezow", reza.date_of_birth)) == [reza]
