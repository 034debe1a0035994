"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "declarations.declaration.deposer": "declarations.declaration.deposee",
    "declarations.declaration.demander_complement": "declarations.declaration.complement_demande",
    "declarations.declaration.declarer_complete": "declarations.declaration.declaree_complete",
    "declarations.declaration.declarer_non_recevable": "declarations.declaration.declaree_non_recevable",
    "declarations.declaration.recepisse": "declarations.declaration.recepisse_genere",
}


class Migration(migrations.Migration):

    dependencies = [("declarations", "0003_verrouiller_documents_des_instantanes"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
