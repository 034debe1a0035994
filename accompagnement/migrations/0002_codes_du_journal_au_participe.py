"""Every log code tells what happened, in the past participle (issue 15): the codes this app wrote
with the verb of the action (a transition's method name) or a noun are renamed. From now on a transition
declares its code (``@transition(..., custom={"journal": …})``, read by ``run_transition``)."""

from django.db import migrations

from care_portal.workflow.ajout_seul import operation_renommer_codes

RENOMMAGES = {
    "accompagnement.demande.prendre_en_charge": "accompagnement.demande.prise_en_charge",
    "accompagnement.demande.resoudre": "accompagnement.demande.marquee_resolue",
    "accompagnement.demande.rouvrir": "accompagnement.demande.rouverte",
    "accompagnement.demande.reponse": "accompagnement.demande.reponse_envoyee",
    "accompagnement.demande.message": "accompagnement.demande.message_envoye",
}


class Migration(migrations.Migration):

    dependencies = [("accompagnement", "0001_initial"), ("workflow", "0002_journal_en_ajout_seul")]

    operations = [operation_renommer_codes(RENOMMAGES)]
