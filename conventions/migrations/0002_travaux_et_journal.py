"""What refers to the convention by name follows the move (issue 15):

- the work waiting in the outbox (``core.Travail``) under the tasks' former names ``candidatures.*``, or
  about an object ``candidatures.convention:<id>``, and the mail-refusal callback carried in its
  arguments;
- the log codes ``candidatures.convention.*`` become ``conventions.convention.*``, the code a transition of
  the model writes from now on (``run_transition`` names it after the app). The log is append-only: on
  PostgreSQL its trigger is set aside for this one statement, inside the migration's transaction; only the
  prefix of the code changes, never who did what or when.
"""

from django.db import migrations

from care_portal.workflow.ajout_seul import declencheur_suspendu

TACHES = {
    "candidatures.envoyer_convention": "conventions.envoyer",
    "candidatures.expirer_conventions": "conventions.expirer",
    "candidatures.recuperer_convention_signee": "conventions.recuperer_signee",
    "candidatures.adresse_signataire_refusee": "conventions.adresse_signataire_refusee",
    "candidatures.contresigner_convention": "conventions.contresigner",
}


def _renommer(apps, taches: dict[str, str], ancien: str, nouveau: str) -> None:
    Travail = apps.get_model("core", "Travail")
    for travail in Travail.objects.exclude(etat="fait").iterator():
        champs = []
        if travail.tache in taches:
            travail.tache = taches[travail.tache]
            champs.append("tache")
        if travail.objet.startswith(ancien + ":"):
            travail.objet = nouveau + travail.objet[len(ancien):]
            champs.append("objet")
        si_refus = (travail.arguments_nommes or {}).get("si_refus")
        if isinstance(si_refus, list) and si_refus and si_refus[0] in taches:
            travail.arguments_nommes = {**travail.arguments_nommes, "si_refus": [taches[si_refus[0]], *si_refus[1:]]}
            champs.append("arguments_nommes")
        if champs:
            travail.save(update_fields=champs)


def _codes(schema_editor, ancien: str, nouveau: str) -> None:
    with declencheur_suspendu(schema_editor, "workflow_transitionlog"):
        schema_editor.execute(
            "UPDATE workflow_transitionlog SET code = %s || substr(code, %s) WHERE code LIKE %s",
            [nouveau, len(ancien) + 1, ancien + "%"])


def avancer(apps, schema_editor):
    _renommer(apps, TACHES, "candidatures.convention", "conventions.convention")
    _codes(schema_editor, "candidatures.convention.", "conventions.convention.")


def reculer(apps, schema_editor):
    _renommer(apps, {v: k for k, v in TACHES.items()}, "conventions.convention", "candidatures.convention")
    _codes(schema_editor, "conventions.convention.", "candidatures.convention.")


class Migration(migrations.Migration):

    dependencies = [
        ("conventions", "0001_initial"),
        ("core", "0002_travaux"),
        ("workflow", "0002_journal_en_ajout_seul"),
    ]

    operations = [migrations.RunPython(avancer, reculer)]
