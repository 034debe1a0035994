"""Access tests of the issue: an establishment never sees notes, labels or assignees; another region's
agent never sees them either. Every desk page and POST view, the panel tag, the list, the search and the
exports, and the establishment's own dossier pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from care_portal.bureau import selectors, services
from care_portal.bureau.agences import agence_de_region
from care_portal.bureau.models import Affectation, EtiquetteDossier, Note, Suivi
from tests.candidatures.test_views import se_connecter, texte

from .donnees import Monde

pytestmark = pytest.mark.django_db

NOTE = "Note confidentielle : relancer le DSI sur l'audit"
ETIQUETTE = "Dossier sensible"


@pytest.fixture
def m():
    m = Monde.creer()
    services.affectation_affecter(dossier=m.dossier, agent=m.ars2, acteur=m.ars)
    services.affectation_prendre(dossier=m.dossier, acteur=m.ans)
    services.suivi_ajouter(dossier=m.dossier, acteur=m.ars)
    services.note_ajouter(dossier=m.dossier, texte=NOTE, acteur=m.ars, mentions=[m.ans])
    e = services.etiquette_creer(agence=agence_de_region(m.dossier.region_instructrice), libelle=ETIQUETTE,
                                 couleur="pink-tuile", acteur=m.ars)
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars)
    m.etiquette = e
    return m


def _panneau(user, dossier) -> str:
    request = RequestFactory().get(f"/candidatures/{dossier.pk}/")
    request.user = user
    return Template("{% load bureau %}{% panneau_bureau dossier %}").render(
        Context({"request": request, "dossier": dossier}))


def _secrets(m) -> list[str]:
    return [NOTE, ETIQUETTE, str(m.ars2), m.ars2.email, "Espace des agents"]


def _pages_du_bureau(m) -> list[str]:
    return [reverse("bureau:dossiers"), reverse("bureau:dossiers") + "?vue=suivis",
            reverse("bureau:exporter") + "?format=csv", reverse("bureau:exporter") + "?format=xlsx",
            reverse("bureau:etiquettes")]


def _posts(m, dossier) -> list[tuple[str, dict]]:
    pk = dossier.pk
    return [(reverse("bureau:prendre", args=[pk]), {}), (reverse("bureau:affecter", args=[pk]), {"agent": m.ars.pk}),
            (reverse("bureau:desaffecter", args=[pk]), {}), (reverse("bureau:suivre", args=[pk]), {}),
            (reverse("bureau:ne_plus_suivre", args=[pk]), {}),
            (reverse("bureau:note_ajouter", args=[pk]), {"texte": "intrusion"}),
            (reverse("bureau:etiquette_poser", args=[pk]), {"etiquette": m.etiquette.pk}),
            (reverse("bureau:etiquette_retirer", args=[pk]), {"etiquette": m.etiquette.pk})]


def _etat(m) -> tuple:
    return (list(Affectation.objects.order_by("pk").values_list("agent", "region")),
            list(Suivi.objects.values_list("agent", "dossier")), Note.objects.count(),
            list(EtiquetteDossier.objects.values_list("etiquette", "dossier")))


# --- the establishment --------------------------------------------------------------------------------

def test_l_etablissement_n_a_aucune_page_du_bureau(client, m):
    se_connecter(client, m.es)
    for url in _pages_du_bureau(m):
        assert client.get(url).status_code == 403, url
    avant = _etat(m)
    for url, donnees in _posts(m, m.dossier):
        assert client.post(url, donnees).status_code == 403, url
    assert _etat(m) == avant


def test_l_etablissement_ne_voit_ni_notes_ni_etiquettes_ni_affectation_sur_ses_pages(client, m):
    assert _panneau(m.es, m.dossier) == ""
    assert selectors.panneau(m.es, m.dossier) is None
    assert not selectors.dossiers_pour(m.es).exists()
    se_connecter(client, m.es)
    pages = [reverse("candidatures:detail", args=[m.dossier.pk]), reverse("candidatures:mes_candidatures"),
             reverse("notifications:centre")]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        page = texte(r)
        for secret in _secrets(m):
            assert secret not in page, (url, secret)


def test_les_agents_voient_le_panneau_du_dossier(m):
    for agent in (m.ars, m.ars2, m.ans, m.ans2):
        html = _panneau(agent, m.dossier)
        assert "Espace des agents" in html and NOTE.replace("'", "&#x27;") in html, agent
        # labels are each agency's own: the ARS's label is not the ANS's
        assert (ETIQUETTE in html) == (agent in (m.ars, m.ars2)), agent
    assert str(m.ars2) in _panneau(m.ars, m.dossier)  # the ARS's assignee
    assert str(m.ans) in _panneau(m.ars, m.dossier)  # the ANS's, read only


# --- another region's agent ---------------------------------------------------------------------------

def test_l_agent_d_une_autre_region_ne_voit_rien_du_dossier(client, m):
    assert _panneau(m.ars_idf, m.dossier) == ""
    assert not selectors.dossiers_pour(m.ars_idf).filter(pk=m.dossier.pk).exists()
    se_connecter(client, m.ars_idf)
    avant = _etat(m)
    for url, donnees in _posts(m, m.dossier):
        assert client.post(url, donnees).status_code == 404, url  # never revealed: 404, not 403
    assert _etat(m) == avant
    for url in _pages_du_bureau(m):
        r = client.get(url)
        assert r.status_code == 200, url
        contenu = b"".join(r.streaming_content) if r.streaming else r.content
        corps = contenu.decode("utf-8", "replace")
        for secret in (NOTE, ETIQUETTE, m.dossier.entite_juridique.raison_sociale):
            assert secret not in corps, (url, secret)
    r = client.get(reverse("bureau:dossiers") + "?q=" + m.dossier.entite_juridique.finess)
    assert r.context["page_obj"].paginator.count == 0
    r = client.get(reverse("bureau:dossiers") + f"?etiquette={m.etiquette.pk}")
    assert r.context["erreurs"]  # not one of its agency's labels: the filter is dropped, with a message
    assert [d.pk for d in r.context["page_obj"]] == [m.dossier_idf.pk]


def test_une_etiquette_d_une_autre_agence_est_introuvable(client, m):
    se_connecter(client, m.ars_idf)
    assert client.post(reverse("bureau:etiquette_supprimer", args=[m.etiquette.pk])).status_code == 404
    assert client.post(reverse("bureau:etiquette_modifier", args=[m.etiquette.pk]),
                       {"libelle": "X", "couleur": "blue-ecume"}).status_code == 404
    r = client.post(reverse("bureau:etiquette_poser", args=[m.dossier_idf.pk]), {"etiquette": m.etiquette.pk})
    assert r.status_code == 302 and not EtiquetteDossier.objects.filter(dossier=m.dossier_idf).exists()


def test_un_filtre_enregistre_n_est_qu_a_son_agent(client, m):
    f = services.filtre_enregistrer(agent=m.ars, nom="Les miens", requete="vue=miens", colonnes=[])
    se_connecter(client, m.ars2)
    assert client.post(reverse("bureau:filtre_supprimer", args=[f.pk])).status_code == 404
    assert "Les miens" not in texte(client.get(reverse("bureau:dossiers")))


def test_anonyme_renvoye_a_la_connexion(client, m):
    r = client.get(reverse("bureau:dossiers"))
    assert r.status_code == 302 and reverse("comptes:connexion") in r["Location"]
    assert _panneau(type("Anonyme", (), {"is_authenticated": False})(), m.dossier) == ""
