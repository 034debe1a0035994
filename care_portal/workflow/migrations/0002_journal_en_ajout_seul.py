"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the log: append-only even outside the ORM."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_declencheur


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [operation_declencheur("workflow_transitionlog", "Le journal des transitions")]
