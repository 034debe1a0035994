"""Payment pages: wiring, status codes and permissions (refused roles 403, another structure's or
region's payment 404, anonymous → login, actions POST only), refusals shown as DSFR alerts (400, never
500); the finance dashboard's numbers and its constant query count; the exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care_portal.comptes.roles import Role
from conventions.models import Convention
from paiement import selectors
from paiement.models import Paiement
from tests.candidatures.test_views import se_connecter, texte
from tests.comptes.helpers import creer_utilisateur_avec_role, region_de_test
from tests.factories import AppelFactory, EntiteJuridiqueFactory

from .paiements import agent, controle_valide, jours, ordonnance, paiement_de, paiements_en_masse, rafraichir

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def paiement(valide):
    ctl, referent, ars = valide
    return paiement_de(ctl), referent, ars


def _client(client, user):
    client.logout()
    se_connecter(client, user)
    return client


def test_pages_agents_et_roles_refuses(client, paiement):
    p, referent, ars = paiement
    s = agent()
    pages = [reverse("paiement:liste"), reverse("paiement:finances"), reverse("paiement:finances_export", args=["csv"])]
    for url in pages:
        assert client.get(url).status_code == 302  # anonymous → login
    for user in (referent, ars, agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS)):
        _client(client, user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
    for user in (s, agent(Role.ADMIN_ANS)):
        _client(client, user)
        for url in pages:
            assert client.get(url).status_code == 200
    page = texte(_client(client, s).get(reverse("paiement:liste")))
    assert p.reference in page and "Créer le lot" in page


def test_detail_permissions_et_boutons(client, paiement):
    p, referent, ars = paiement
    url = reverse("paiement:detail", args=[p.pk])
    s1 = agent()
    page = texte(_client(client, s1).get(url))
    assert 'id="valider"' in page and "1 000,00 €" in page and "inférieurs au montant de la convention" in page
    assert _client(client, ars).get(url).status_code == 200
    autre_ars = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75"))
    assert _client(client, autre_ars).get(url).status_code == 404
    for user in (referent, agent(Role.CONTROLEUR_ANS)):
        assert _client(client, user).get(url).status_code == 403


def test_actions_post_quatre_yeux_et_alerte(client, paiement):
    p, _, _ = paiement
    s1, s2 = agent(), agent()
    _client(client, s1)
    assert client.get(reverse("paiement:valider", args=[p.pk])).status_code == 405
    r = client.post(reverse("paiement:valider", args=[p.pk]))
    assert r.status_code == 302 and rafraichir(p).etat == Paiement.Etat.VALIDE
    page = texte(client.get(reverse("paiement:detail", args=[p.pk])))
    assert 'id="ordonnancer"' not in page and "quatre yeux" in page
    r = client.post(reverse("paiement:ordonnancer", args=[p.pk]))
    assert r.status_code == 400 and "fr-alert" in texte(r) and "quatre yeux" in texte(r)
    assert rafraichir(p).etat == Paiement.Etat.VALIDE
    _client(client, s2)
    assert client.post(reverse("paiement:ordonnancer", args=[p.pk])).status_code == 302
    assert rafraichir(p).etat == Paiement.Etat.ORDONNANCE
    r = client.post(reverse("paiement:payer", args=[p.pk]), {"le": jours(0).isoformat(), "reference_bancaire": ""})
    assert r.status_code == 400 and rafraichir(p).etat == Paiement.Etat.ORDONNANCE
    r = client.post(reverse("paiement:payer", args=[p.pk]), {"le": jours(0).isoformat(), "reference_bancaire": "B1"})
    assert r.status_code == 302 and rafraichir(p).etat == Paiement.Etat.PAYE
    r = client.post(reverse("paiement:payer", args=[p.pk]), {"le": jours(0).isoformat(), "reference_bancaire": "B2"})
    assert r.status_code == 400 and "déjà payé" in texte(r)


def test_actions_refusees_aux_autres_roles(client, paiement):
    p, referent, ars = paiement
    for user in (referent, ars, agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS)):
        _client(client, user)
        for nom in ("valider", "ordonnancer", "rejeter", "payer"):
            assert client.post(reverse(f"paiement:{nom}", args=[p.pk])).status_code == 403, (user, nom)
        for nom in ("creer", "lots", "confirmation"):
            assert client.post(reverse(f"paiement:{nom}")).status_code == 403
    _client(client, agent(Role.ADMIN_ANS))
    assert client.post(reverse("paiement:valider", args=[p.pk])).status_code == 403  # the secretariat validates
    _client(client, agent())
    assert client.post(reverse("paiement:reverifier_iban", args=[p.pk])).status_code == 403
    assert rafraichir(p).etat == Paiement.Etat.A_VALIDER


def test_rejet_sans_motif_puis_avec(client, paiement):
    p, _, _ = paiement
    _client(client, agent())
    r = client.post(reverse("paiement:rejeter", args=[p.pk]), {"motif": ""})
    assert r.status_code == 400 and "motif" in texte(r)
    assert client.post(reverse("paiement:rejeter", args=[p.pk]), {"motif": "Doublon"}).status_code == 302
    assert rafraichir(p).etat == Paiement.Etat.REJETE


def test_reverification_iban_par_l_ars(client, paiement):
    from candidatures.models import Candidature

    p, _, ars = paiement
    Candidature.objects.filter(pk=p.convention.candidature_id).update(iban="FR7610107001011234567890129")
    page = texte(_client(client, ars).get(reverse("paiement:detail", args=[p.pk])))
    assert "IBAN modifié" in page and 'id="reverifier-iban"' in page
    assert client.post(reverse("paiement:reverifier_iban", args=[p.pk])).status_code == 302
    assert rafraichir(p).iban == "FR7610107001011234567890129"


def test_creation_lot_telechargement_et_confirmation(client, paiement):
    p, _, _ = paiement
    p = ordonnance(p, agent(), agent())
    s = agent()
    _client(client, s)
    r = client.post(reverse("paiement:lots"), {"date_execution": jours(-3).isoformat()})
    assert r.status_code == 400 and "passée" in texte(r)
    r = client.post(reverse("paiement:lots"), {"date_execution": jours(0).isoformat()})
    assert r.status_code == 302
    lot = rafraichir(p).lot
    r = client.get(reverse("paiement:lot_xml", args=[lot.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/xml"
    assert p.reference.encode() in r.content
    for user in (agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS)):
        assert _client(client, user).get(reverse("paiement:lot_xml", args=[lot.pk])).status_code == 403
    _client(client, s)
    mauvais = SimpleUploadedFile("b.csv", b"reference;date\nX;2025-01-01\n", content_type="text/csv")
    r = client.post(reverse("paiement:confirmation"), {"fichier": mauvais})
    assert r.status_code == 400 and "aucun paiement n'a été modifié" in texte(r)
    bon = f"reference;date;reference_bancaire\n{p.reference};{jours(0).isoformat()};BQ-7\n".encode()
    for _ in range(2):
        r = client.post(reverse("paiement:confirmation"), {"fichier": SimpleUploadedFile("b.csv", bon)})
        assert r.status_code == 302
    assert Paiement.objects.get(pk=p.pk).reference_bancaire == "BQ-7"


def test_page_es_sa_structure_seulement(client, paiement):
    p, referent, _ = paiement
    cand = p.convention.candidature
    url = reverse("paiement:pour_candidature", args=[cand.pk])
    page = texte(_client(client, referent).get(url))
    assert "1 000,00 €" in page and "À valider" in page and "Calcul du montant" in page
    autre = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=EntiteJuridiqueFactory())
    assert _client(client, autre).get(url).status_code == 404
    assert _client(client, agent(Role.CONTROLEUR_ANS)).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_page_plafonnee_le_dit(client):
    from candidatures.regles import TypeCandidature as T

    ctl, referent, _ = controle_valide(spec=[(T.PUBLIC_HORS_GHT, "0", None, "800.00")])
    paiement_de(ctl)
    page = texte(_client(client, referent).get(reverse("paiement:pour_candidature",
                                                       args=[ctl.declaration.candidature_id])))
    assert 'id="plafonne"' in page and "plafonné" in page and "800,00 €" in page


# --- the finance dashboard -------------------------------------------------------------------------

def test_tableau_finances_chiffres():
    appel = AppelFactory(enveloppe=D("65000000.00"))
    faits = paiements_en_masse(10, appel)  # states cycle: a_valider, valide, ordonnance, paye, rejete
    Convention.objects.filter(pk=faits[0].convention_id).update(etat=Convention.Etat.ENVOYEE)
    t = selectors.tableau_finances(appel)
    assert t.enveloppe == D("65000000.00")
    assert t.total.conventions == 9 and t.total.engage == D("900000.00")
    assert t.total.a_valider == D("2000.00") and t.total.valide == D("6000.00") and t.total.paye == D("2000.00")
    assert t.total.rejete == 2 and t.total.paiements == 10
    assert t.disponible == D("64100000.00") and t.reste_enveloppe == D("64998000.00")
    assert sum(a.paye for a in t.par_region) == t.total.paye == sum(a.paye for a in t.par_type)
    assert sum(a.engage for a in t.par_type) == t.total.engage


def test_tableau_finances_requetes_constantes(client):
    """The same number of queries with 5 and with 50 payments."""
    from paiement.models import Paiement as P

    appel = AppelFactory(code="care-d1-requetes")
    _client(client, agent())
    url = reverse("paiement:finances") + f"?appel={appel.code}"
    comptes = []
    for n in (5, 50):
        paiements_en_masse(n - P.objects.filter(convention__candidature__appel=appel).count(), appel)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200
        comptes.append(len(ctx))
    assert P.objects.filter(convention__candidature__appel=appel).count() == 50
    assert comptes[0] == comptes[1], comptes


def test_exports(client):
    appel = AppelFactory(code="care-d1-export")
    paiements_en_masse(5, appel)
    _client(client, agent())
    r = client.get(reverse("paiement:finances_export", args=["csv"]) + "?appel=care-d1-export")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rangees = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rangees[0][0] == "axe" and rangees[1][0] == "enveloppe" and rangees[2][:2] == ["total", "Total"]
    r = client.get(reverse("paiement:finances_export", args=["xlsx"]) + "?appel=care-d1-export")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert client.get(reverse("paiement:finances_export", args=["pdf"])).status_code == 404


def test_le_dossier_mene_a_la_declaration_au_controle_et_au_paiement(client, valide):
    """The candidature's page is the dossier's hub: each later stage is one link away, with its state."""
    ctl, referent, _ = valide
    p = paiement_de(ctl)
    c = ctl.declaration.candidature
    se_connecter(client, referent)
    page = client.get(reverse("candidatures:detail", args=[c.pk])).content.decode()
    assert f'href="{reverse("declarations:pour_candidature", args=[c.pk])}" id="lien-declaration"' in page
    assert f'href="{reverse("controle:detail", args=[ctl.pk])}" id="lien-controle"' in page
    assert f'href="{reverse("paiement:pour_candidature", args=[c.pk])}" id="lien-paiement"' in page
    assert "ANS : objectifs atteints" in page and f"Paiement : {p.get_etat_display().lower()}" in page
    assert client.get(reverse("paiement:pour_candidature", args=[c.pk])).status_code == 200


# --- no list cut silently ------------------------------------------------------------------------------

def test_liste_des_paiements_paginee_avec_son_compte(client):
    from paiement.views_paiements import PAR_PAGE

    paiements_en_masse(PAR_PAGE + 7)
    se_connecter(client, agent())
    page1 = client.get(reverse("paiement:liste"))
    html = texte(page1)
    assert f"Paiements ({PAR_PAGE + 7}, page 1 sur 2)" in html and len(page1.context["paiements"]) == PAR_PAGE
    page2 = client.get(reverse("paiement:liste"), {"page": 2, "etat": ""})
    assert len(page2.context["paiements"]) == 7
    vus = {p.pk for p in page1.context["paiements"]} | {p.pk for p in page2.context["paiements"]}
    assert len(vus) == PAR_PAGE + 7  # every payment reachable, none twice
    # a filter is kept in the pages' links
    filtre = texte(client.get(reverse("paiement:liste"), {"etat": "paye"}))
    assert "page=" not in filtre or "etat=paye" in filtre
