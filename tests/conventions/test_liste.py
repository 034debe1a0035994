"""« Conventions »: the list of the conventions an agent sees (the ANS: all; an ARS: its region's), by
state with their counts, filtered by region and search, 25 per page; its menu entries; who is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care_portal.comptes.roles import Role
from conventions.models import Convention
from tests.candidatures import donnees
from tests.candidatures.test_views import se_connecter
from tests.factories import CandidatureFactory, ConventionFactory, EntiteJuridiqueFactory, departement

pytestmark = pytest.mark.django_db

URL = reverse("conventions:liste")


def _convention(dep: str = "33", nom: str = "Centre hospitalier", **traits) -> Convention:
    structure = EntiteJuridiqueFactory(dep=dep, raison_sociale=nom)
    return ConventionFactory(candidature=CandidatureFactory(structure=structure, etat="complete"), **traits)


@pytest.fixture
def jeu():
    return {
        "a_envoyer": _convention(nom="Centre hospitalier de Blaye"),
        "envoyee": _convention(nom="Centre hospitalier d'Arcachon", envoyee=True),
        "signee": _convention(nom="Clinique de Libourne", signee=True),
        "paris": _convention(dep="75", nom="Hôpital de Paris Centre", expiree=True),
    }


def _numeros(reponse) -> set[str]:
    return {cv.numero for cv in reponse.context["page_obj"]}


def test_l_ans_voit_tout_par_etat_avec_les_nombres(client, jeu):
    se_connecter(client, donnees.ans(Role.CONTROLEUR_ANS))
    reponse = client.get(URL)
    assert reponse.status_code == 200
    assert _numeros(reponse) == {cv.numero for cv in jeu.values()}
    comptes = {c.etat: c.nombre for c in reponse.context["comptes"]}
    assert comptes == {"a_generer": 1, "envoyee": 1, "signee_es": 0, "signee": 1, "expiree": 1}
    page = reponse.content.decode()
    assert "4 conventions" in page and "Envoyée pour signature : 1" in page
    assert _numeros(client.get(URL + "?etat=envoyee")) == {jeu["envoyee"].numero}
    assert _numeros(client.get(URL + "?etat=inconnu")) == {cv.numero for cv in jeu.values()}  # ignored
    paris = donnees.region("75")
    assert _numeros(client.get(URL + f"?region={paris.code}")) == {jeu["paris"].numero}
    assert _numeros(client.get(URL + "?q=arcachon")) == {jeu["envoyee"].numero}
    assert _numeros(client.get(URL + f"?q={jeu['signee'].numero}")) == {jeu["signee"].numero}
    # each row opens the convention's page
    assert reverse("conventions:detail", args=[jeu["signee"].candidature_id]) in page


def test_l_ars_ne_voit_que_sa_region(client, jeu):
    se_connecter(client, donnees.ars("33"))
    reponse = client.get(URL)
    assert _numeros(reponse) == {jeu[k].numero for k in ("a_envoyer", "envoyee", "signee")}
    assert sum(c.nombre for c in reponse.context["comptes"]) == 3
    assert jeu["paris"].numero not in reponse.content.decode()
    # another region's filter gives nothing of it
    assert _numeros(client.get(URL + f"?region={donnees.region('75').code}")) == set()


def test_refus(client, jeu):
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    referent = donnees.referent(jeu["signee"].candidature.entite_juridique)
    se_connecter(client, referent)
    assert client.get(URL).status_code == 403  # the establishment reaches its convention from its dossier
    assert client.post(URL).status_code in (403, 405)


def test_pages_de_25_avec_le_total(client):
    structure = EntiteJuridiqueFactory(departement=departement("33"))
    for _ in range(27):
        ConventionFactory(candidature=CandidatureFactory(structure=structure, etat="complete"))
    se_connecter(client, donnees.ans(Role.ADMIN_ANS))
    premiere = client.get(URL)
    assert len(premiere.context["page_obj"]) == 25 and premiere.context["nombre"] == 27
    assert "Conventions (27)" in premiere.content.decode()
    assert len(client.get(URL + "?page=2").context["page_obj"]) == 2


def test_entrees_du_menu(client, jeu):
    admin = donnees.ans(Role.ADMIN_ANS)
    se_connecter(client, admin)
    html = client.get(reverse("comptes:vue_nationale")).content.decode()
    assert f'href="{URL}"' in html and f'href="{URL}?etat=a_generer"' in html
    a_envoyer = client.get(URL + "?etat=a_generer")
    assert _numeros(a_envoyer) == {jeu["a_envoyer"].numero}
    client.logout()
    se_connecter(client, donnees.ars("33"))
    html = client.get(reverse("comptes:file_ars")).content.decode()
    assert f'href="{URL}"' in html and "?etat=a_generer" not in html
