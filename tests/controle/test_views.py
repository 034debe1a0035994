"""Control pages: wiring, status codes and permissions (another structure's control → 404; a wrong role
→ 403; a controller not assigned → refused in a DSFR alert), the forms' refusals (400, nothing written),
the ES's answer, the planning (filters, workload, late controls) in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care_portal.comptes.roles import Role
from controle.models import Controle
from tests.candidatures import donnees as cdonnees
from tests.candidatures.test_views import se_connecter, texte
from tests.conventions.conventions import commit
from tests.factories import EntiteJuridiqueFactory

from .donnees import (
    LIEN_VISIO,
    controles_en_masse,
    controleur,
    en_cours,
    planifier,
    quand,
    rafraichir,
    tout_conforme,
)

pytestmark = pytest.mark.django_db


def url(nom: str, c: Controle) -> str:
    return reverse(f"controle:{nom}", args=[c.pk])


def donnees_planification(ctl, jours=7, **champs) -> dict:
    moment = quand(jours)
    return {"planification-modalite": "visio", "planification-date": moment.date().isoformat(),
            "planification-heure": "10:00", "planification-duree_minutes": "120",
            "planification-lieu": LIEN_VISIO, "planification-controleurs": [ctl.pk], **champs}


def test_planifier_depuis_la_page(client, controle):
    c, ctl, _ = controle
    se_connecter(client, ctl)
    page = texte(client.get(url("detail", c)))
    assert "Planifier le contrôle" in page and 'name="planification-modalite"' in page
    with commit():
        reponse = client.post(url("planifier", c), donnees_planification(ctl))
    assert reponse.status_code == 302
    assert rafraichir(c).etat == Controle.Etat.PLANIFIE
    page = texte(client.get(url("detail", c)))  # planned in a week: it cannot start yet
    assert "Commencer le contrôle" not in page and "Replanifier le contrôle" in page
    assert "ne peut pas commencer avant" in page
    c = planifier(c, ctl, jours=0)
    assert "Commencer le contrôle" in texte(client.get(url("detail", c)))


def test_date_hors_fenetre_refusee_en_francais(client, controle):
    c, ctl, _ = controle
    se_connecter(client, ctl)
    reponse = client.post(url("planifier", c), donnees_planification(ctl, jours=-3))
    assert reponse.status_code == 400
    assert "La date du contrôle doit être au plus tôt" in texte(reponse) and 'class="fr-alert' in texte(reponse)
    assert rafraichir(c).etat == Controle.Etat.A_PLANIFIER


def test_controleur_non_assigne_refuse_dans_une_alerte(client, controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    autre = controleur()
    se_connecter(client, autre)
    page = texte(client.get(url("detail", c)))
    assert "Consultation seule" in page and "Valider l'atteinte des objectifs" not in page
    reponse = client.post(url("valider", c))
    assert reponse.status_code == 400 and "Seuls les contrôleurs ANS assignés" in texte(reponse)
    assert rafraichir(c).etat == Controle.Etat.EN_COURS


def test_grille_et_decision_par_la_page(client, controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    se_connecter(client, ctl)
    page = texte(client.get(url("detail", c)))
    assert "<legend" in page and "Grille de contrôle par objectif" in page
    reponse = client.post(url("valider", c))
    assert reponse.status_code == 400 and "pas encore vérifié" in texte(reponse)
    donnees = {f"verdict-{v.pk}": "conforme" for v in c.verdicts.all()}
    assert client.post(url("grille", c), donnees).status_code == 302
    with commit():
        assert client.post(url("valider", c)).status_code == 302
    c = rafraichir(c)
    assert c.etat == Controle.Etat.OBJECTIFS_ATTEINTS
    page = texte(client.get(url("detail", c)))
    assert "Attestation d'atteinte des objectifs (signée)" in page


def test_grille_invalide_ne_change_rien(client, controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    se_connecter(client, ctl)
    v = c.verdicts.first()
    reponse = client.post(url("grille", c), {f"verdict-{v.pk}": "non_conforme", f"commentaire-{v.pk}": " "})
    assert reponse.status_code == 400 and "doit être motivé" in texte(reponse)
    assert not c.verdicts.exclude(verdict="").exists()


def test_l_es_voit_et_repond(client, controle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from controle import services

    c, ctl, referent = controle
    c = en_cours(c, ctl)
    services.controle_demander_informations(controle=c, acteur=ctl, message="Le rapport ORADAD.")
    se_connecter(client, referent)
    page = texte(client.get(url("detail", c)))
    assert "Le rapport ORADAD." in page and "Répondre à l'ANS" in page and "Commencer" not in page
    assert "Ouvrir le contrôle" in texte(client.get(reverse("controle:mes_controles")))
    fichier = SimpleUploadedFile("rapport.pdf", cdonnees.pdf().read(), content_type="application/pdf")
    with commit():
        reponse = client.post(url("repondre", c), {"reponse-message": "Ci-joint.", "reponse-documents": [fichier]})
    assert reponse.status_code == 302 and rafraichir(c).etat == Controle.Etat.EN_COURS
    assert "rapport.pdf" in texte(client.get(url("detail", c)))
    reponse = client.post(url("repondre", c), {"reponse-message": "Encore."})
    assert reponse.status_code == 400 and "Aucune information n'est demandée" in texte(reponse)


def test_autre_structure_404_et_mauvais_role_403(client, controle):
    c, ctl, referent = controle
    autre = cdonnees.referent(EntiteJuridiqueFactory())
    se_connecter(client, autre)
    assert client.get(url("detail", c)).status_code == 404
    assert client.post(url("repondre", c), {"reponse-message": "x"}).status_code == 404
    client.logout()
    se_connecter(client, referent)
    for nom in ("planifier", "commencer", "grille", "valider", "non_atteinte", "demander_informations"):
        assert client.post(url(nom, c)).status_code == 403, nom
    assert client.get(reverse("controle:planning")).status_code == 403
    assert client.get(url("planifier", c)).status_code in (403, 405)
    client.logout()
    se_connecter(client, ctl)
    assert client.get(reverse("controle:mes_controles")).status_code == 403
    assert client.get(url("valider", c)).status_code == 405  # every action is a POST


def test_admin_et_secretariat_en_lecture_seule(client, controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    for role in (Role.ADMIN_ANS, Role.SECRETARIAT_ANS):
        client.logout()
        agent = cdonnees.ans(role)
        se_connecter(client, agent)
        page = texte(client.get(url("detail", c)))
        assert "Consultation seule" in page and "Commencer le contrôle" not in page
        assert client.get(reverse("controle:planning")).status_code == 200
        assert client.post(url("commencer", c)).status_code == 403


def test_anonyme_vers_la_connexion(client, controle):
    c, _, _ = controle
    reponse = client.get(url("detail", c))
    assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse.url


def test_planning_filtres_charge_et_retards(client, controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    se_connecter(client, ctl)
    page = texte(client.get(reverse("controle:planning")))
    assert c.declaration.candidature.structure_libelle in page and ctl.get_full_name() in page
    from controle.selectors import semaine_iso

    page = texte(client.get(reverse("controle:planning"), {"semaine": semaine_iso(c.date_prevue)}))
    assert c.declaration.candidature.structure_libelle in page
    page = texte(client.get(reverse("controle:planning"), {"semaine": "1999-S01"}))
    assert 'id="planning"' not in page
    page = texte(client.get(reverse("controle:planning"), {"etat": "a_planifier"}))
    assert 'id="planning"' not in page
    appel = c.declaration.candidature.appel
    appel.controle_fin = quand(-30).date()
    appel.save(update_fields=["controle_fin"])
    page = texte(client.get(reverse("controle:planning")))
    assert "En retard sur la fin des contrôles de l'appel (1)" in page


def _requetes_du_planning(client) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(reverse("controle:planning")).status_code == 200
    return len(requetes)


def test_planning_en_nombre_fixe_de_requetes():
    from django.test import Client

    controleurs = [controleur() for _ in range(3)]
    client = Client()
    se_connecter(client, controleurs[0])
    controles_en_masse(5, controleurs)
    client.get(reverse("controle:planning"))  # warm the session and the content types
    peu = _requetes_du_planning(client)
    controles_en_masse(45, controleurs)
    assert Controle.objects.count() == 50
    assert _requetes_du_planning(client) == peu


def test_replanification_preremplie(client, controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    se_connecter(client, ctl)
    page = texte(client.get(url("detail", c)))
    assert f'value="{LIEN_VISIO}"' in page and "Replanifier et envoyer l'invitation" in page
    with commit():
        reponse = client.post(url("planifier", c), donnees_planification(ctl, jours=9))
    assert reponse.status_code == 302 and rafraichir(c).sequence == 1


# --- the control is decided after it took place -------------------------------------------------------

def test_commencer_avant_le_jour_prevu_refuse_en_francais(client, controle):
    c, ctl, _ = controle
    c = planifier(c, ctl, jours=2)
    se_connecter(client, ctl)
    reponse = client.post(url("commencer", c))
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Le contrôle n'a pas été commencé" in page and "ne peut pas commencer avant" in page
    assert rafraichir(c).etat == Controle.Etat.PLANIFIE


@pytest.mark.parametrize("nom", ["valider", "non_atteinte"])
def test_decision_avant_la_tenue_refusee_en_francais(client, controle, nom):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    codes = [v.code for v in c.verdicts.order_by("ordre")]
    from controle import services

    saisies = {code: ("conforme", "") for code in codes}
    saisies[codes[0]] = ("non_conforme", "Audit manquant.") if nom == "non_atteinte" else ("conforme", "")
    services.controle_enregistrer_grille(controle=c, acteur=ctl, saisies=saisies)
    Controle.objects.filter(pk=c.pk).update(date_prevue=quand(4))  # started early, before this rule
    se_connecter(client, ctl)
    reponse = client.post(url(nom, c))
    assert reponse.status_code == 400 and "avant d'avoir eu lieu" in texte(reponse)
    assert rafraichir(c).etat == Controle.Etat.EN_COURS


def test_decision_et_commencement_refuses_aux_roles_de_l_etablissement_et_de_l_ars(client, controle, complete):
    c, ctl, referent = controle
    _, _, ars = complete
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    for personne in (referent, ars):
        client.logout()
        se_connecter(client, personne)
        for nom in ("commencer", "valider", "non_atteinte"):
            assert client.post(url(nom, c)).status_code == 403, nom
    client.logout()
    se_connecter(client, controleur())  # a controller not assigned: refused in the alert
    reponse = client.post(url("valider", c))
    assert reponse.status_code == 400 and "contrôleurs ANS assignés" in texte(reponse)
    assert rafraichir(c).etat == Controle.Etat.EN_COURS


def test_planning_pagine_avec_son_compte(client):
    from controle.selectors import PAR_PAGE

    controleurs = [controleur()]
    controles_en_masse(PAR_PAGE + 3, controleurs)
    se_connecter(client, controleurs[0])
    page1 = client.get(reverse("controle:planning"))
    assert f"({PAR_PAGE + 3}, page 1 sur 2)" in texte(page1) and len(page1.context["rangs"]) == PAR_PAGE
    page2 = client.get(reverse("controle:planning"), {"page": 2})
    assert len(page2.context["rangs"]) == 3
    assert {r["c"].pk for r in page1.context["rangs"]} | {r["c"].pk for r in page2.context["rangs"]} == set(
        Controle.objects.values_list("pk", flat=True))


def test_generation_en_attente_de_traitement_relancee_par_l_ans(client, controle, settings):
    """Work about a control lost by the broker (issue 24): said on the page to everyone who sees it,
    relaunched by an ANS agent only (the ES gets 403), once."""
    from datetime import timedelta

    from django.utils import timezone

    from care_portal.core.models import Travail
    from care_portal.core.travaux import cle_objet

    c, ctl, referent = controle
    travail = Travail.objects.create(
        tache="controle.generer_pieces", arguments=[c.pk], objet=cle_objet(c), etat=Travail.Etat.A_ENVOYER,
        cree_le=timezone.now() - timedelta(seconds=settings.CARE_TRAVAUX_SEUIL_ATTENTE_SECONDES + 1))
    se_connecter(client, referent)
    page = texte(client.get(url("detail", c)))
    assert "En attente de traitement" in page and "Relancer le traitement" not in page
    relance = {"objet": cle_objet(c), "suite": url("detail", c)}
    assert client.post(reverse("core:relancer_travaux"), relance).status_code == 403
    assert Travail.objects.get(pk=travail.pk).envois == 0

    client.logout()
    se_connecter(client, ctl)
    assert "Relancer le traitement" in texte(client.get(url("detail", c)))
    with commit():
        reponse = client.post(reverse("core:relancer_travaux"), relance)
    assert reponse.status_code == 302 and reponse["Location"] == url("detail", c)
    travail.refresh_from_db()
    assert (travail.etat, travail.envois) == (Travail.Etat.FAIT, 1)
    assert "En attente de traitement" not in texte(client.get(url("detail", c)))
    # nothing left: a second relaunch publishes nothing; a forged target or an outside « suite » is harmless
    with commit():
        reponse = client.post(reverse("core:relancer_travaux"), {"objet": "x; drop", "suite": "https://ailleurs.example/"})
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    assert Travail.objects.get(pk=travail.pk).envois == 1
