"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the snapshots: frozen even outside the ORM."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_declencheur


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]
    operations = [operation_declencheur("declarations_instantane", "Le registre des instantanés de déclaration")]
