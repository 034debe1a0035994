"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "documents.document.nouvelle_version": "documents.document.nouvelle_version_deposee",
}


class Migration(migrations.Migration):

    dependencies = [("documents", "0002_telechargements_en_ajout_seul"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
