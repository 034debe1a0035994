"""Data: the DSFR site configuration (title, tagline, footer) read by dsfr.context_processors.site_config."""

from django.db import migrations


def creer(apps, schema_editor):
    DsfrConfig = apps.get_model("dsfr", "DsfrConfig")
    DsfrConfig.objects.update_or_create(
        language="fr",
        defaults={
            "site_title": "eCaRE",
            "site_tagline": "Guichet unique du programme CaRE",
            "header_brand": "République française",
            "header_brand_html": "République<br>Française",
            "footer_brand": "République française",
            "footer_brand_html": "République<br>Française",
            "footer_description": "eCaRE est le guichet unique du programme CaRE, opéré par l'Agence du Numérique en Santé.",
            "accessibility_status": "PART",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("dsfr", "0012_dsfrconfig_notice_description_and_more")]
    operations = [migrations.RunPython(creer, migrations.RunPython.noop)]
