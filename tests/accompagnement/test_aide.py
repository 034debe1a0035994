"""Support from the dossier: routing, thread, states, e-mails, timeline, queue, reminder, permissions."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompagnement import rappels, services
from accompagnement.models import DemandeAide
from care_portal.comptes.roles import Role
from care_portal.notifications.models import Rappel
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError
from tests.accompagnement.helpers import dossier_et_personnes
from tests.comptes.helpers import agent_verifie, creer_utilisateur_avec_role, region_de_test
from tests.factories import GHTFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    return dossier_et_personnes()


def _demander(client, c, theme="candidature"):
    return client.post(reverse("accompagnement:demander", args=[c.pk]),
                       {"theme": theme, "objet": "Périmètre du GHT", "corps": "Un EHPAD doit-il figurer ?"})


def test_es_demande_de_l_aide_routee_vers_son_ars(client, monde, django_capture_on_commit_callbacks):
    c, es, ars = monde
    client.force_login(es)
    with django_capture_on_commit_callbacks(execute=True):
        r = _demander(client, c)
    d = DemandeAide.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("accompagnement:demande", args=[d.pk])
    assert (d.destinataire, d.etat, d.region_id) == ("ars", "ouverte", c.region_instructrice_id)
    assert d.attente_depuis is not None
    assert TransitionLog.objects.filter(code="accompagnement.demande.creee", object_id=str(c.pk)).exists()
    assert [m.to for m in mail.outbox] == [[ars.email]]
    assert "Un EHPAD" not in mail.outbox[0].body  # the content stays in the portal


def test_theme_paiement_route_vers_l_ans(client, monde):
    c, es, ars = monde
    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    client.force_login(es)
    _demander(client, c, theme="paiement")
    d = DemandeAide.objects.get()
    assert d.destinataire == "ans"
    agent_verifie(client, ars)
    assert client.get(reverse("accompagnement:demande", args=[d.pk])).status_code == 404
    agent_verifie(client, admin)
    assert client.get(reverse("accompagnement:demande", args=[d.pk])).status_code == 200


def test_le_lien_d_aide_apparait_sur_la_page_du_dossier(client, monde):
    c, es, ars = monde
    client.force_login(es)
    assert reverse("accompagnement:demander", args=[c.pk]) in client.get(reverse("candidatures:detail", args=[c.pk])).content.decode()
    agent_verifie(client, ars)
    assert reverse("accompagnement:demander", args=[c.pk]) not in client.get(
        reverse("candidatures:detail", args=[c.pk])).content.decode()


def test_ars_repond_depuis_sa_file_et_l_es_voit_la_reponse_dans_l_historique(client, monde,
                                                                               django_capture_on_commit_callbacks):
    c, es, ars = monde
    d = services.demande_creer(candidature=c, acteur=es, theme="candidature", objet="Périmètre", corps="Question ?")
    agent_verifie(client, ars)
    file = client.get(reverse("accompagnement:file")).content.decode()
    assert "Périmètre" in file and "0 jour" in file
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("accompagnement:demande", args=[d.pk]), {"corps": "Non, les ESMS sont exclus."})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.etat == "en_cours" and d.attente_depuis is None and d.premiere_reponse_le is not None
    assert mail.outbox and es.email in mail.outbox[0].to
    client.force_login(es)
    historique = client.get(reverse("candidatures:detail", args=[c.pk])).content.decode()
    assert "Réponse de l&#x27;ARS à la demande d&#x27;aide « Périmètre » : Non, les ESMS sont exclus." in historique


def test_es_resout_puis_rouvre(client, monde):
    c, es, ars = monde
    d = services.demande_creer(candidature=c, acteur=es, theme="candidature", objet="Q", corps="?")
    services.demande_ecrire(demande=d, acteur=es, resoudre=True)
    d.refresh_from_db()
    assert d.etat == "resolue" and d.attente_depuis is None
    with pytest.raises(WorkflowError):
        services.demande_repondre(demande=d, acteur=ars, corps="Trop tard")
    services.demande_ecrire(demande=d, acteur=es, corps="Finalement, encore une question.")
    d.refresh_from_db()
    assert d.etat == "ouverte" and d.attente_depuis is not None


def test_autre_structure_et_autre_region_recoivent_404(client, monde):
    c, es, ars = monde
    d = services.demande_creer(candidature=c, acteur=es, theme="candidature", objet="Q", corps="?")
    autre_es = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=GHTFactory())
    autre_ars = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75"))
    for user, verifie in ((autre_es, False), (autre_ars, True)):
        agent_verifie(client, user) if verifie else client.force_login(user)
        assert client.get(reverse("accompagnement:demande", args=[d.pk])).status_code == 404
        assert client.post(reverse("accompagnement:demande", args=[d.pk]), {"corps": "x"}).status_code == 404
        liste = client.get(reverse("accompagnement:file") if verifie else reverse("accompagnement:mes_demandes"))
        assert liste.status_code == 200
        assert reverse("accompagnement:demande", args=[d.pk]) not in liste.content.decode()
    client.force_login(autre_es)
    assert _demander(client, c).status_code == 404
    assert DemandeAide.objects.count() == 1
    with pytest.raises(WorkflowError):
        services.demande_repondre(demande=d, acteur=autre_ars, corps="x")


def test_anonyme_renvoye_a_la_connexion(client, monde):
    c, es, ars = monde
    r = client.get(reverse("accompagnement:demander", args=[c.pk]))
    assert r.status_code == 302 and reverse("comptes:connexion") in r["Location"]


def test_file_refusee_a_l_es(client, monde):
    c, es, ars = monde
    client.force_login(es)
    assert client.get(reverse("accompagnement:file")).status_code == 403


def test_rappel_une_fois_apres_le_delai(monde, settings, django_capture_on_commit_callbacks):
    c, es, ars = monde
    settings.CARE_RAPPEL_AIDE_ATTENTE_JOURS = 3
    d = services.demande_creer(candidature=c, acteur=es, theme="candidature", objet="Q", corps="?")
    maintenant = timezone.now()
    assert rappels.rappels_aide_attente(maintenant=maintenant + datetime.timedelta(days=2)) == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert rappels.rappels_aide_attente(maintenant=maintenant + datetime.timedelta(days=4)) == 1
        assert rappels.rappels_aide_attente(maintenant=maintenant + datetime.timedelta(days=5)) == 0
    assert Rappel.objects.filter(genre="aide_attente", cible=f"demande-{d.pk}").count() == 1
    assert [m.to for m in mail.outbox] == [[ars.email]]
