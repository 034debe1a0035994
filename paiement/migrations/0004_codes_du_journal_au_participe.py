"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "paiement.paiement.valider": "paiement.paiement.valide",
    "paiement.paiement.ordonnancer": "paiement.paiement.ordonnance",
    "paiement.paiement.payer": "paiement.paiement.paye",
    "paiement.paiement.rejeter": "paiement.paiement.rejete",
}


class Migration(migrations.Migration):

    dependencies = [("paiement", "0003_convention_dans_conventions"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
