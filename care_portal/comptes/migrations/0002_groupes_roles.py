"""Data: one group per role (DESIGN.md §1). Model-level permissions are added by each app's migrations."""

from django.db import migrations

ROLES = [
    "referent_es", "dsi", "rssi", "signataire_es", "referent_ars",
    "controleur_ans", "secretariat_ans", "dg_ans", "admin_ans",
]


def creer(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def supprimer(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("comptes", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(creer, supprimer)]
