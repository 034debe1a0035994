"""Query counts do not grow with the volume (issue 19): every key page and every list, admin lists
included, runs the same number of SQL queries with 3 rows of everything and with 30 (tests/volumes.py
builds both, through one ``Jeu`` that grows). A page whose count moves has an N+1 — or cuts nothing
and aggregates before paginating. The lists are also checked to show their counts, never a silent cut."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.candidatures.test_views import se_connecter
from tests.volumes import Jeu

pytestmark = pytest.mark.django_db

PETIT, GRAND = 3, 30


def _requetes(client, url: str) -> tuple[int, object]:
    client.get(url)  # warm the per-process caches (content types, the session's first read)
    with CaptureQueriesContext(connection) as ctx:
        reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    return len(ctx), reponse


def _pages(jeu: Jeu, role: str) -> list[str]:
    d, c = jeu.declaration, jeu.dossier
    return {
        "referent_es": [reverse("comptes:espace_es"), reverse("candidatures:detail", args=[c.pk]),
                        reverse("objectifs:tableau", args=[c.pk]), reverse("declarations:detail", args=[d.pk]),
                        reverse("notifications:centre"), reverse("comptes:invitations"),
                        reverse("candidatures:mes_candidatures"), reverse("declarations:mes_declarations"),
                        reverse("controle:mes_controles"), reverse("paiement:mes_paiements")],
        "referent_ars": [reverse("comptes:file_ars"), reverse("candidatures:file"),
                         reverse("conventions:liste") + "?etat=a_generer", reverse("declarations:file"),
                         reverse("comptes:rattachements"), reverse("candidatures:detail", args=[c.pk]),
                         reverse("notifications:centre")],
        "controleur_ans": [reverse("comptes:vue_nationale"), reverse("candidatures:file"), reverse("conventions:liste"),
                           reverse("candidatures:file") + "?tri=-depot&etat=complete", reverse("declarations:file"),
                           reverse("controle:planning"), reverse("controle:planning") + "?etat=planifie"],
        "secretariat_ans": [reverse("paiement:liste"), reverse("paiement:liste") + "?etat=paye",
                            reverse("paiement:finances"), reverse("paiement:simulateur"),
                            reverse("notifications:centre")],
        "dg_ans": [reverse("conventions:contresigner")],
    }[role]


@pytest.mark.parametrize("role", ["referent_es", "referent_ars", "controleur_ans", "secretariat_ans", "dg_ans"])
def test_pages_cles_meme_nombre_de_requetes_de_3_a_30(client, role):
    jeu = Jeu.creer().grossir(PETIT)
    se_connecter(client, jeu.utilisateurs[role])
    urls = _pages(jeu, role)
    if role == "secretariat_ans":
        urls.append(reverse("paiement:lot_detail", args=[jeu.lot.pk]))
    petit = {url: _requetes(client, url)[0] for url in urls}
    jeu.grossir(GRAND - PETIT)
    grand = {url: _requetes(client, url)[0] for url in urls}
    ecarts = {url: (petit[url], grand[url]) for url in urls if petit[url] != grand[url]}
    assert not ecarts, f"requêtes ({PETIT} → {GRAND}) : {ecarts}"


def test_la_liste_des_paiements_calcule_les_montants_sans_requete_par_controle(client):
    """The validated controls without payment: their amounts are computed in bulk (the N+1 was ~4
    queries each), and every such control is reachable through the pages, counted."""
    from controle.models import Controle

    jeu = Jeu.creer().grossir(GRAND)
    sans = Controle.objects.filter(etat=Controle.Etat.OBJECTIFS_ATTEINTS, paiement__isnull=True).count()
    assert sans == GRAND
    se_connecter(client, jeu.secretariat)
    _, reponse = _requetes(client, reverse("paiement:liste"))
    assert reponse.context["nombre_sans_paiement"] == sans
    assert len(reponse.context["sans_paiement"]) == sans  # fewer than a page: all listed
    raisons = [raison for _, raison in reponse.context["sans_paiement"]]
    assert all(r == "" for r in raisons), raisons  # frozen submission + convention amount: computable


def test_les_listes_longues_sont_paginees_avec_leur_nombre_et_gardent_les_filtres(client, settings):
    """Past a page, each list says how many rows it has and links to the next page with its filters."""
    from care_portal.comptes.views import inscription
    from care_portal.notifications import views as notifications

    jeu = Jeu.creer().grossir(GRAND)
    se_connecter(client, jeu.referent)
    _, r = _requetes(client, reverse("notifications:centre"))
    assert r.context["nombre"] == GRAND and r.context["page_obj"].paginator.num_pages == 1
    assert len(r.context["notifications"]) == min(GRAND, notifications.TAILLE_PAGE)
    _, r = _requetes(client, reverse("comptes:invitations") + "?page=2")
    assert r.context["nombre"] == GRAND and len(r.context["invitations"]) == GRAND - inscription.PAR_PAGE
    client.logout()
    se_connecter(client, jeu.ars)
    _, r = _requetes(client, reverse("comptes:rattachements") + "?page=2")
    assert r.context["nombre"] == GRAND and len(r.context["lignes"]) == GRAND - inscription.PAR_PAGE
    assert "Page précédente" in r.content.decode()
    client.logout()
    se_connecter(client, jeu.controleur)
    _, r = _requetes(client, reverse("candidatures:file") + "?etat=complete&tri=-depot")
    html = r.content.decode()
    assert all(c.nb_lignes == 1 for c in r.context["page_obj"])  # aggregated on the page's rows
    _, r = _requetes(client, reverse("candidatures:file") + "?tri=-depot")
    if r.context["page_obj"].paginator.num_pages > 1:
        assert "tri=-depot&amp;page=2" in r.content.decode()
    assert "Candidatures (" in html


def test_listes_d_administration_meme_nombre_de_requetes_de_3_a_30(client):
    """Every registered admin list (its changelist), as a superuser: constant query count."""
    jeu = Jeu.creer().grossir(PETIT)
    se_connecter(client, jeu.admin)
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    petit = {url: _requetes(client, url)[0] for url in urls}
    jeu.grossir(GRAND - PETIT)
    grand = {url: _requetes(client, url)[0] for url in urls}
    ecarts = {url: (petit[url], grand[url]) for url in urls if petit[url] != grand[url]}
    assert not ecarts, f"requêtes ({PETIT} → {GRAND}) : {ecarts}"
