"""KldB 2010 Berufsbereiche and Berufshauptgruppen (Bundesagentur für Arbeit) as data.

Idempotent (update_or_create): on a database migrated by the old code it finds its rows.
"""

from django.db import migrations

AREAS = {
    "0": "Militär",
    "1": "Land-, Forst- und Tierwirtschaft und Gartenbau",
    "2": "Rohstoffgewinnung, Produktion und Fertigung",
    "3": "Bau, Architektur, Vermessung und Gebäudetechnik",
    "4": "Naturwissenschaft, Geografie und Informatik",
    "5": "Verkehr, Logistik, Schutz und Sicherheit",
    "6": "Kaufmännische Dienstleistungen, Warenhandel, Vertrieb, Hotel und Tourismus",
    "7": "Unternehmensorganisation, Buchhaltung, Recht und Verwaltung",
    "8": "Gesundheit, Soziales, Lehre und Erziehung",
    "9": "Sprach-, Literatur-, Geistes-, Gesellschafts- und Wirtschaftswissenschaften, "
    "Medien, Kunst, Kultur und Gestaltung",
}

GROUPS = {
    "01": "Angehörige der regulären Streitkräfte",
    "11": "Land-, Tier- und Forstwirtschaftsberufe",
    "12": "Gartenbauberufe und Floristik",
    "21": "Rohstoffgewinnung und -aufbereitung, Glas- und Keramikherstellung und -verarbeitung",
    "22": "Kunststoffherstellung und -verarbeitung, Holzbe- und -verarbeitung",
    "23": "Papier- und Druckberufe, technische Mediengestaltung",
    "24": "Metallerzeugung und -bearbeitung, Metallbauberufe",
    "25": "Maschinen- und Fahrzeugtechnikberufe",
    "26": "Mechatronik-, Energie- und Elektroberufe",
    "27": "Technische Forschungs-, Entwicklungs-, Konstruktions- und Produktionssteuerungsberufe",
    "28": "Textil- und Lederberufe",
    "29": "Lebensmittelherstellung und -verarbeitung",
    "31": "Bauplanungs-, Architektur- und Vermessungsberufe",
    "32": "Hoch- und Tiefbauberufe",
    "33": "(Innen-)Ausbauberufe",
    "34": "Gebäude- und versorgungstechnische Berufe",
    "41": "Mathematik-, Biologie-, Chemie- und Physikberufe",
    "42": "Geologie-, Geografie- und Umweltschutzberufe",
    "43": "Informatik-, Informations- und Kommunikationstechnologieberufe",
    "51": "Verkehrs- und Logistikberufe (außer Fahrzeugführung)",
    "52": "Führer/innen von Fahrzeug- und Transportgeräten",
    "53": "Schutz-, Sicherheits- und Überwachungsberufe",
    "54": "Reinigungsberufe",
    "61": "Einkaufs-, Vertriebs- und Handelsberufe",
    "62": "Verkaufsberufe",
    "63": "Tourismus-, Hotel- und Gaststättenberufe",
    "71": "Berufe in Unternehmensführung und -organisation",
    "72": "Berufe in Finanzdienstleistungen, Rechnungswesen und Steuerberatung",
    "73": "Berufe in Recht und Verwaltung",
    "81": "Medizinische Gesundheitsberufe",
    "82": "Nichtmedizinische Gesundheits-, Körperpflege- und Wellnessberufe, Medizintechnik",
    "83": "Erziehung, soziale und hauswirtschaftliche Berufe, Theologie",
    "84": "Lehrende und ausbildende Berufe",
    "91": "Sprach-, literatur-, geistes-, gesellschafts- und wirtschaftswissenschaftliche Berufe",
    "92": "Werbung, Marketing, kaufmännische und redaktionelle Medienberufe",
    "93": "Produktdesign und kunsthandwerkliche Berufe, bildende Kunst, Musikinstrumentenbau",
    "94": "Darstellende und unterhaltende Berufe",
}


def load(apps, schema_editor):
    KldbArea = apps.get_model("core", "KldbArea")
    KldbGroup = apps.get_model("core", "KldbGroup")
    for code, name in AREAS.items():
        KldbArea.objects.update_or_create(code=code, defaults={"name": name})
    for code, name in GROUPS.items():
        KldbGroup.objects.update_or_create(
            code=code, defaults={"name": name, "area_id": code[0]}
        )


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("Fallmanagement", "Berichtswesen", "Administration"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
