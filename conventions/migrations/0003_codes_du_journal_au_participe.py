"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "conventions.convention.envoyer": "conventions.convention.envoyee",
    "conventions.convention.renvoyer": "conventions.convention.renvoyee",
    "conventions.convention.signer_es": "conventions.convention.signee_es",
    "conventions.convention.contresigner": "conventions.convention.contresignee",
    "conventions.convention.expirer": "conventions.convention.expiree",
}


class Migration(migrations.Migration):

    dependencies = [("conventions", "0002_travaux_et_journal"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
