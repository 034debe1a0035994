"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "controle.controle.planifier": "controle.controle.planifie",
    "controle.controle.replanifier": "controle.controle.replanifie",
    "controle.controle.commencer": "controle.controle.commence",
    "controle.controle.demander_informations": "controle.controle.informations_demandees",
    "controle.controle.repondre": "controle.controle.reponse_recue",
    "controle.controle.valider_atteinte": "controle.controle.atteinte_validee",
    "controle.controle.constater_non_atteinte": "controle.controle.non_atteinte_constatee",
    "controle.controle.attestation": "controle.controle.attestation_generee",
    "controle.controle.rapport": "controle.controle.rapport_genere",
}


class Migration(migrations.Migration):

    dependencies = [("controle", "0001_initial"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
