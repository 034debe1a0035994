"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "comptes.rattachement.confirmer": "comptes.rattachement.confirme",
    "comptes.rattachement.refuser": "comptes.rattachement.refuse",
    "comptes.rattachement.revoquer": "comptes.rattachement.revoque",
    "comptes.rattachement.demo": "comptes.rattachement.cree_pour_la_demo",
    "comptes.rattachement.invitation": "comptes.rattachement.cree_par_invitation",
}


class Migration(migrations.Migration):

    dependencies = [("comptes", "0003_enrolement_totp_autorise"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
