"""The bulk actions' pages (issue 21, part B): who may reach them (agents only; another region's dossiers
are left out, or 404 when none is visible; another agent's report or archive is 404), the confirmation page,
the run and its report, reloadable and linkable."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from care_portal.bureau.archives.models import Execution
from care_portal.comptes.roles import Role
from tests.bureau.test_actions import en_complement, nouveau_dossier
from tests.candidatures import donnees
from tests.comptes.helpers import agent_verifie, connecter
from tests.factories import AppelFactory

pytestmark = pytest.mark.django_db

CONFIRMER = "/bureau/actions/confirmer/"


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    return donnees.stockage_prive(settings, tmp_path)


@pytest.fixture
def ars():
    return donnees.ars("33", prenom="Agathe", nom="Instructrice")


@pytest.fixture
def trois(ars):
    """Three dossiers of Nouvelle-Aquitaine: two awaiting a complement, one submitted (nothing awaited)."""
    appel = AppelFactory()
    return [en_complement(nouveau_dossier("CH de Libourne", appel=appel), ars),
            en_complement(nouveau_dossier("CH de Blaye", appel=appel), ars),
            nouveau_dossier("CH d'Arcachon", appel=appel)]


def corps(reponse) -> str:
    """The page's text as read: entities decoded, non-breaking spaces as spaces."""
    import html

    return html.unescape(reponse.content.decode()).replace("\u00a0", " ")


def test_l_adresse_est_celle_du_nom():
    assert reverse("bureau:actions_confirmer") == CONFIRMER


def test_anonyme_renvoye_a_la_connexion(client, trois):
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [trois[0].pk]})
    assert r.status_code == 302 and r["Location"].startswith(reverse("comptes:connexion"))
    assert client.get(reverse("bureau:actions_historique")).status_code == 302


def test_etablissement_refuse(client, trois):
    referent = donnees.referent(trois[0].entite_juridique)
    connecter(client, referent)
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [trois[0].pk]})
    assert r.status_code == 403
    assert client.get(reverse("bureau:actions_historique")).status_code == 403
    assert not Execution.objects.exists()


def test_ars_d_une_autre_region(client, trois):
    agent_verifie(client, donnees.ars("75"))
    # none of them is visible: 404, as for any object of another region
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [d.pk for d in trois]})
    assert r.status_code == 404
    # mixed with one of its own: the others are left out and said so
    sien = nouveau_dossier("Hôpital de Paris", dep="75")
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [trois[0].pk, sien.pk]})
    assert r.status_code == 200
    texte = corps(r)
    assert "Hôpital de Paris" in texte and "CH de Libourne" not in texte
    assert "1 dossier ignoré" in texte and f"n° {trois[0].pk}" in texte
    assert f'name="dossiers" value="{trois[0].pk}"' not in texte


def test_confirmation_puis_rapport(client, ars, trois, django_capture_on_commit_callbacks):
    agent_verifie(client, ars)
    retour = "/bureau/dossiers/?etape=instruction"
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [d.pk for d in trois] + ["abc"],
                                "retour": retour})
    assert r.status_code == 200
    texte = corps(r)
    assert "Relancer l'établissement : confirmation" in texte
    assert "sur <strong>3 dossiers</strong>" in texte
    assert "Dossiers concernés (3)" in texte
    for nom in ("CH de Libourne", "CH de Blaye", "CH d'Arcachon"):
        assert nom in texte
    assert "Instruction par l'ARS : complément demandé" in texte
    assert "n° abc" in texte  # a value that is not a dossier: ignored, and said
    assert mail.outbox == [] and not Execution.objects.exists()  # nothing runs before the confirmation
    jeton = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [d.pk for d in trois],
                                    "retour": retour, "confirmer": "1", "jeton": str(jeton)})
    execution = Execution.objects.get()
    assert execution.pk == jeton
    assert r.status_code == 302 and r["Location"] == reverse("bureau:actions_rapport", args=[jeton])
    assert len(mail.outbox) == 2

    rapport = client.get(r["Location"])
    assert rapport.status_code == 200
    texte = corps(rapport)
    assert "Rapport : Relancer l'établissement" in texte
    assert 'Faits : <strong id="nb-faits">2</strong>' in texte
    assert 'Refusés : <strong id="nb-refuses">1</strong>' in texte
    assert "Dossiers traités (2)" in texte and "Dossiers refusés (1)" in texte
    assert "Relancé : compléter la candidature puis la déposer de nouveau" in texte
    assert "Rien n'est attendu de l'établissement en ce moment (Instruction par l'ARS : déposée)" in texte
    assert f'href="{retour}"' in texte
    # reloadable: the same page again, nothing sent again
    assert client.get(r["Location"]).status_code == 200 and len(mail.outbox) == 2
    # the same confirmation posted twice (a double click, a reload) runs once
    with django_capture_on_commit_callbacks(execute=True):
        r2 = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [d.pk for d in trois],
                                     "confirmer": "1", "jeton": str(jeton)})
    assert r2["Location"] == r["Location"] and Execution.objects.count() == 1 and len(mail.outbox) == 2
    # listed among the agent's runs
    historique = corps(client.get(reverse("bureau:actions_historique")))
    assert reverse("bureau:actions_rapport", args=[jeton]) in historique


def test_le_rapport_d_un_autre_agent_est_introuvable(client, ars, trois, django_capture_on_commit_callbacks):
    agent_verifie(client, ars)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [trois[0].pk], "confirmer": "1",
                                    "jeton": str(uuid.uuid4())})
    lien = r["Location"]
    client.logout()
    agent_verifie(client, donnees.ars("33", prenom="Bruno", nom="Collègue"))  # same region, not the author
    assert client.get(lien).status_code == 404
    client.logout()
    agent_verifie(client, donnees.ans(Role.ADMIN_ANS))
    assert client.get(lien).status_code == 404
    client.logout()
    connecter(client, donnees.referent(trois[0].entite_juridique))
    assert client.get(lien).status_code == 403
    client.logout()
    assert client.get(lien).status_code == 302


def test_entrees_invalides_sans_erreur_500(client, ars, trois, settings):
    agent_verifie(client, ars)
    liste = reverse("bureau:dossiers")
    r = client.get(CONFIRMER)
    assert r.status_code == 302 and r["Location"] == liste
    r = client.post(CONFIRMER, {"dossiers": [trois[0].pk]}, follow=True)
    assert r.redirect_chain[-1][0] == liste
    assert "Choisissez l'action à lancer sur les dossiers cochés." in corps(r)
    r = client.post(CONFIRMER, {"action": "n_existe_pas", "dossiers": [trois[0].pk], "retour": "https://ailleurs.example/"})
    assert r.status_code == 302 and r["Location"] == liste  # never sent to another site
    r = client.post(CONFIRMER, {"action": "relancer_etablissement"})
    assert r.status_code == 302
    settings.CARE_BUREAU_ACTIONS_DOSSIERS_MAX = 2
    r = client.post(CONFIRMER, {"action": "relancer_etablissement", "dossiers": [d.pk for d in trois]}, follow=True)
    assert "une action groupée porte sur 2 dossiers au plus" in corps(r)
    assert not Execution.objects.exists()
    assert client.get(reverse("bureau:actions_rapport", args=[uuid.uuid4()])).status_code == 404


def test_action_reservee_a_d_autres_profils(client, trois):
    agent_verifie(client, donnees.ans(Role.CONTROLEUR_ANS))
    r = client.post(CONFIRMER, {"action": "envoyer_convention", "dossiers": [trois[0].pk]})
    assert r.status_code == 403


def test_parametres_de_l_action(client, ars, trois):
    from care_portal.bureau.models import Affectation

    collegue = donnees.ars("33", prenom="Bruno", nom="Collègue")
    agent_verifie(client, ars)
    r = client.post(CONFIRMER, {"action": "affecter", "dossiers": [d.pk for d in trois]})
    texte = corps(r)
    assert r.status_code == 200 and "Paramètres de l'action" in texte
    assert f'<option value="{collegue.pk}">' in texte
    # confirmed without choosing: the form says what is missing, nothing runs
    r = client.post(CONFIRMER, {"action": "affecter", "dossiers": [d.pk for d in trois], "confirmer": "1",
                                "jeton": str(uuid.uuid4())})
    assert r.status_code == 400 and "Choisissez l'agent à qui affecter le dossier." in corps(r)
    assert not Execution.objects.exists()
    # an agent of another region is not a choice
    autre = donnees.ars("75")
    r = client.post(CONFIRMER, {"action": "affecter", "dossiers": [d.pk for d in trois], "confirmer": "1",
                                "agent": autre.pk, "jeton": str(uuid.uuid4())})
    assert r.status_code == 400 and not Affectation.objects.exists()
    r = client.post(CONFIRMER, {"action": "affecter", "dossiers": [d.pk for d in trois], "confirmer": "1",
                                "agent": collegue.pk, "jeton": str(uuid.uuid4())})
    assert r.status_code == 302
    assert Affectation.objects.filter(agent=collegue).count() == 3
    texte = corps(client.get(r["Location"]))
    assert "affecter à : Bruno Collègue" in texte and texte.count("Affecté à Bruno Collègue.") == 3
