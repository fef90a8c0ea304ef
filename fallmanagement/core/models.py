"""Reference data every app stands on: the KldB 2010 occupational classification and the
CEFR levels of German.

The tables keep the names they had before the apps were nested (`fallmanagement_kldb*`).
"""

from django.db import models
from django.db.models import F
from django.db.models.functions import Length
from django.db.models.lookups import StartsWith
from django.utils.translation import gettext_lazy as _

# Names sort as in a German phone book whatever the database's default collation is (a
# cluster created with the C locale puts "Özdemir", "van Dijk" and "al-Hassan" after "Zimmermann").
# ICU collation, part of every PostgreSQL built with ICU (Debian, Ubuntu, the official images).
GERMAN_COLLATION = "de-x-icu"


class KldbArea(models.Model):
    """KldB 2010 Berufsbereich (1 digit), e.g. 2 Rohstoffgewinnung, Produktion und Fertigung."""

    code = models.CharField(_("Kennziffer"), max_length=1, primary_key=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Berufsbereich (KldB 2010)")
        verbose_name_plural = _("Berufsbereiche (KldB 2010)")
        db_table = "fallmanagement_kldbarea"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KldbGroup(models.Model):
    """KldB 2010 Berufshauptgruppe (2 digits), e.g. 24 Metallerzeugung, Metallbauberufe."""

    code = models.CharField(_("Kennziffer"), max_length=2, primary_key=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    area = models.ForeignKey(
        KldbArea, on_delete=models.PROTECT, related_name="groups", verbose_name=_("Berufsbereich")
    )

    class Meta:
        ordering = ["code"]
        db_table = "fallmanagement_kldbgroup"
        verbose_name = _("Berufshauptgruppe (KldB 2010)")
        verbose_name_plural = _("Berufshauptgruppen (KldB 2010)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KldbOccupation(models.Model):
    """KldB 2010 at the depth that tells jobs apart: Berufsgruppe (3 digits, e.g. 821
    Altenpflege), Berufsuntergruppe (4 digits, 8210) and Berufsgattung (5 digits, 82101
    Altenpflege – Helfer-/Anlerntätigkeiten; the last digit is the Anforderungsniveau).

    One table for the three levels, so a row elsewhere points to one code at whatever depth the
    user knows (`kldb_occupation`), next to its two-digit Berufshauptgruppe (`kldb_group`, the
    depth of the funding report). Data: fallmanagement/core/data/kldb2010.csv (see SOURCE.md).
    """

    class Level(models.IntegerChoices):
        GROUP = 3, _("Berufsgruppe")
        SUBGROUP = 4, _("Berufsuntergruppe")
        OCCUPATION = 5, _("Berufsgattung")

    code = models.CharField(_("Kennziffer"), max_length=5, primary_key=True)
    name = models.CharField(_("Bezeichnung"), max_length=250)
    level = models.PositiveSmallIntegerField(_("Gliederungsebene"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("übergeordnet"),
    )
    group = models.ForeignKey(
        KldbGroup,
        on_delete=models.PROTECT,
        related_name="occupations",
        verbose_name=_("Berufshauptgruppe"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("Beruf (KldB 2010)")
        verbose_name_plural = _("Berufe (KldB 2010)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=Length("code"), code__startswith=F("group_id")),
                name="kldb_occupation_code_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def kldb_depth_error(group_id: str | None, occupation_id: str | None) -> str | None:
    """The rule for a row with a Berufshauptgruppe and an optional finer KldB code: the code
    must lie inside the Berufshauptgruppe. Returns the message, or None when it fits."""
    if group_id and occupation_id and not occupation_id.startswith(group_id):
        return str(
            _("Die Kennziffer %(code)s gehört nicht zur Berufshauptgruppe %(group)s.")
            % {"code": occupation_id, "group": group_id}
        )
    return None


def kldb_depth_constraint(name: str) -> models.CheckConstraint:
    """The database's last word on `kldb_depth_error` for a model with `kldb_group` and
    `kldb_occupation`."""
    return models.CheckConstraint(
        condition=models.Q(kldb_occupation__isnull=True)
        | models.Q(StartsWith(F("kldb_occupation"), F("kldb_group"))),
        name=name,
        violation_error_message=_("Die Kennziffer gehört nicht zur Berufshauptgruppe."),
    )


class GermanLevel(models.TextChoices):
    """German skills on the CEFR scale, in ascending order (compare with `german_rank`)."""

    NONE = "keine", _("keine Kenntnisse")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"


GERMAN_LEVEL_ORDER = [level.value for level in GermanLevel]
