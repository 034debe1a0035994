"""Data: the 18 regions with their départements, and the 2024 Domaine 1 funding call with its real dates."""

import datetime
from decimal import Decimal

from django.db import migrations

REGIONS = [
    ("84", "Auvergne-Rhône-Alpes", False, [
        ("01", "Ain"), ("03", "Allier"), ("07", "Ardèche"), ("15", "Cantal"), ("26", "Drôme"),
        ("38", "Isère"), ("42", "Loire"), ("43", "Haute-Loire"), ("63", "Puy-de-Dôme"),
        ("69", "Rhône"), ("73", "Savoie"), ("74", "Haute-Savoie"),
    ]),
    ("27", "Bourgogne-Franche-Comté", False, [
        ("21", "Côte-d'Or"), ("25", "Doubs"), ("39", "Jura"), ("58", "Nièvre"), ("70", "Haute-Saône"),
        ("71", "Saône-et-Loire"), ("89", "Yonne"), ("90", "Territoire de Belfort"),
    ]),
    ("53", "Bretagne", False, [
        ("22", "Côtes-d'Armor"), ("29", "Finistère"), ("35", "Ille-et-Vilaine"), ("56", "Morbihan"),
    ]),
    ("24", "Centre-Val de Loire", False, [
        ("18", "Cher"), ("28", "Eure-et-Loir"), ("36", "Indre"), ("37", "Indre-et-Loire"),
        ("41", "Loir-et-Cher"), ("45", "Loiret"),
    ]),
    ("94", "Corse", False, [("2A", "Corse-du-Sud"), ("2B", "Haute-Corse")]),
    ("44", "Grand Est", False, [
        ("08", "Ardennes"), ("10", "Aube"), ("51", "Marne"), ("52", "Haute-Marne"),
        ("54", "Meurthe-et-Moselle"), ("55", "Meuse"), ("57", "Moselle"), ("67", "Bas-Rhin"),
        ("68", "Haut-Rhin"), ("88", "Vosges"),
    ]),
    ("32", "Hauts-de-France", False, [
        ("02", "Aisne"), ("59", "Nord"), ("60", "Oise"), ("62", "Pas-de-Calais"), ("80", "Somme"),
    ]),
    ("11", "Île-de-France", False, [
        ("75", "Paris"), ("77", "Seine-et-Marne"), ("78", "Yvelines"), ("91", "Essonne"),
        ("92", "Hauts-de-Seine"), ("93", "Seine-Saint-Denis"), ("94", "Val-de-Marne"), ("95", "Val-d'Oise"),
    ]),
    ("28", "Normandie", False, [
        ("14", "Calvados"), ("27", "Eure"), ("50", "Manche"), ("61", "Orne"), ("76", "Seine-Maritime"),
    ]),
    ("75", "Nouvelle-Aquitaine", False, [
        ("16", "Charente"), ("17", "Charente-Maritime"), ("19", "Corrèze"), ("23", "Creuse"),
        ("24", "Dordogne"), ("33", "Gironde"), ("40", "Landes"), ("47", "Lot-et-Garonne"),
        ("64", "Pyrénées-Atlantiques"), ("79", "Deux-Sèvres"), ("86", "Vienne"), ("87", "Haute-Vienne"),
    ]),
    ("76", "Occitanie", False, [
        ("09", "Ariège"), ("11", "Aude"), ("12", "Aveyron"), ("30", "Gard"), ("31", "Haute-Garonne"),
        ("32", "Gers"), ("34", "Hérault"), ("46", "Lot"), ("48", "Lozère"), ("65", "Hautes-Pyrénées"),
        ("66", "Pyrénées-Orientales"), ("81", "Tarn"), ("82", "Tarn-et-Garonne"),
    ]),
    ("52", "Pays de la Loire", False, [
        ("44", "Loire-Atlantique"), ("49", "Maine-et-Loire"), ("53", "Mayenne"), ("72", "Sarthe"),
        ("85", "Vendée"),
    ]),
    ("93", "Provence-Alpes-Côte d'Azur", False, [
        ("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"), ("06", "Alpes-Maritimes"),
        ("13", "Bouches-du-Rhône"), ("83", "Var"), ("84", "Vaucluse"),
    ]),
    ("01", "Guadeloupe", True, [("971", "Guadeloupe")]),
    ("02", "Martinique", True, [("972", "Martinique")]),
    ("03", "Guyane", True, [("973", "Guyane")]),
    ("04", "La Réunion", True, [("974", "La Réunion")]),
    ("06", "Mayotte", True, [("976", "Mayotte")]),
]


def nom_ars(nom):
    if nom == "Guadeloupe":
        return "ARS Guadeloupe, Saint-Martin et Saint-Barthélemy"
    return f"ARS {nom}"


def charger(apps, schema_editor):
    Region = apps.get_model("referentiel", "Region")
    Departement = apps.get_model("referentiel", "Departement")
    AppelAFinancement = apps.get_model("referentiel", "AppelAFinancement")
    for code, nom, outre_mer, departements in REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"nom": nom, "ars": nom_ars(nom), "outre_mer": outre_mer}
        )
        for dcode, dnom in departements:
            Departement.objects.update_or_create(code=dcode, defaults={"nom": dnom, "region": region})
    d = datetime.date
    AppelAFinancement.objects.update_or_create(
        code="care-d1-2024",
        defaults=dict(
            domaine="D1",
            nom="CaRE Domaine 1 — Annuaires techniques et exposition sur internet (2024)",
            enveloppe=Decimal("65000000.00"),
            candidature_debut=d(2024, 3, 18),
            candidature_fin=d(2024, 4, 19),
            instruction_fin=d(2024, 5, 21),
            convention_debut=d(2024, 5, 21),
            convention_fin=d(2024, 5, 31),
            delai_signature_jours=5,
            declaration_debut=d(2024, 5, 21),
            declaration_fin=d(2025, 6, 30),
            controle_fin=d(2025, 7, 31),
            paiement_debut=d(2024, 6, 10),
            paiement_fin=d(2025, 10, 25),
            couts_eligibles_depuis=d(2023, 1, 1),
            notes=(
                "Calendrier du premier appel à financement du Domaine 1 (programme CaRE). "
                "Déclarations initialement closes le 28 mars 2025, prolongées au 30 juin 2025. "
                "Contrôles jusqu'à fin juillet 2025. Fenêtre de paiement du 10 juin 2024 au "
                "25 octobre 2025 (prolongée ensuite). Enveloppe : 65 M€ ; 1 207 candidatures déposées."
            ),
        ),
    )


def decharger(apps, schema_editor):
    apps.get_model("referentiel", "AppelAFinancement").objects.filter(code="care-d1-2024").delete()
    apps.get_model("referentiel", "Departement").objects.all().delete()
    apps.get_model("referentiel", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("referentiel", "0001_initial")]
    operations = [migrations.RunPython(charger, decharger)]
