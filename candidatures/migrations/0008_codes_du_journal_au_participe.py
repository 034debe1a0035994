"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "candidatures.candidature.deposer": "candidatures.candidature.deposee",
    "candidatures.candidature.demander_complement": "candidatures.candidature.complement_demande",
    "candidatures.candidature.declarer_complete": "candidatures.candidature.declaree_complete",
    "candidatures.candidature.rejeter": "candidatures.candidature.rejetee",
    "candidatures.candidature.retirer": "candidatures.candidature.retiree",
    "candidatures.candidature.audit_date": "candidatures.candidature.audit_date_indiquee",
    "candidatures.candidature.recepisse": "candidatures.candidature.recepisse_genere",
}


class Migration(migrations.Migration):

    dependencies = [("candidatures", "0007_conventions_deplacees"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
