"""Load the Domaine 1 objectives and thresholds of objectifs/referentiel_d1.py. Later changes to the
referential go through the admin or a new data migration, never by editing that module alone."""

from decimal import Decimal

from django.db import migrations

from objectifs.referentiel_d1 import OBJECTIFS, SEUILS


def charger(apps, schema_editor):
    Objectif = apps.get_model("objectifs", "Objectif")
    Seuil = apps.get_model("objectifs", "Seuil")
    par_code = {}
    for o in OBJECTIFS:
        par_code[o["code"]], _ = Objectif.objects.update_or_create(code=o["code"], defaults={
            k: v for k, v in o.items() if k != "code"})
    for code, objectif, libelle, valeur, unite, source in SEUILS:
        Seuil.objects.update_or_create(code=code, defaults={
            "objectif": par_code.get(objectif), "libelle": libelle, "valeur": Decimal(valeur), "unite": unite,
            "source": source})


def retirer(apps, schema_editor):
    apps.get_model("objectifs", "Seuil").objects.filter(code__in=[s[0] for s in SEUILS]).delete()
    apps.get_model("objectifs", "Objectif").objects.filter(code__in=[o["code"] for o in OBJECTIFS]).delete()


class Migration(migrations.Migration):
    dependencies = [("objectifs", "0001_initial")]
    operations = [migrations.RunPython(charger, retirer)]
