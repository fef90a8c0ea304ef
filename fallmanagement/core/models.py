"""Reference data every app stands on: the KldB 2010 occupational classification.

The tables keep the names they had before the apps were nested (`fallmanagement_kldb*`).
"""

from django.db import models
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
