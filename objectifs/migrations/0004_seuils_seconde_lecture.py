"""Issue 17: the new thresholds of referentiel_d1.SEUILS (spacing of D1.O1.B's two audits), as defaults
(no call). Rows already present are left as the ANS set them."""

from decimal import Decimal

from django.db import migrations

from objectifs.referentiel_d1 import SEUILS

NOUVEAUX = ("ecart_ads_min_jours", "ecart_ads_max_jours")


def charger(apps, schema_editor):
    Objectif = apps.get_model("objectifs", "Objectif")
    Seuil = apps.get_model("objectifs", "Seuil")
    for code, objectif, libelle, valeur, unite, source in SEUILS:
        if code in NOUVEAUX:
            Seuil.objects.get_or_create(code=code, appel=None, defaults={
                "objectif": Objectif.objects.filter(code=objectif).first(), "libelle": libelle,
                "valeur": Decimal(valeur), "unite": unite, "source": source})


def retirer(apps, schema_editor):
    apps.get_model("objectifs", "Seuil").objects.filter(code__in=NOUVEAUX, appel=None).delete()


class Migration(migrations.Migration):
    dependencies = [("objectifs", "0003_seconde_lecture")]
    operations = [migrations.RunPython(charger, retirer)]
