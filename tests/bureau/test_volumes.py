"""Query counts do not grow with the volume (issue 21, « at national volume »): the agents' list with every
column, its saved filters' counts and its exports, and the stages' queues with their « Affecté à »
column, run the same number of SQL queries with 3 and with 30 of everything (tests/volumes.py), every
dossier carrying assignments (ARS and ANS), notes with mentions, labels and follows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care_portal.bureau import liste, services
from care_portal.bureau.models import Affectation, Etiquette, EtiquetteDossier, Note, Suivi
from care_portal.core import etapes
from tests.candidatures.test_views import se_connecter
from tests.volumes import Jeu

pytestmark = pytest.mark.django_db

PETIT, GRAND = 3, 30
TOUTES = "&".join(f"colonnes={c}" for c in liste.COLONNES)


def _garnir(jeu: Jeu) -> None:
    """Every dossier without desk rows gets them: its ARS's and the ANS's assignee, two notes (one with a
    mention), the agency's labels, a follow. Rows written directly (bulk), as tests/volumes.py does."""
    modele = etapes.modele_dossier()
    nouveaux = list(modele.objects.exclude(affectations__isnull=False).order_by("pk"))
    region = jeu.dossier.region_instructrice_id
    etiquettes = list(Etiquette.objects.filter(region_id=region)) or Etiquette.objects.bulk_create([
        Etiquette(region_id=region, libelle=f"Étiquette {i}", couleur="blue-ecume") for i in range(3)])
    ans = list(Etiquette.objects.filter(region__isnull=True)) or [
        Etiquette.objects.create(libelle="Contrôle prioritaire", couleur="pink-tuile")]
    Affectation.objects.bulk_create(
        [Affectation(dossier=d, region_id=d.region_instructrice_id, agent=jeu.ars) for d in nouveaux
         if d.region_instructrice_id == region]
        + [Affectation(dossier=d, region=None, agent=jeu.controleur) for d in nouveaux])
    notes = Note.objects.bulk_create([Note(dossier=d, auteur=jeu.ars, region_id=region, texte=f"Note {i}")
                                      for d in nouveaux for i in range(2)])
    Note.mentions.through.objects.bulk_create([Note.mentions.through(note_id=n.pk, user_id=jeu.controleur.pk)
                                               for n in notes[::2]])
    EtiquetteDossier.objects.bulk_create(
        [EtiquetteDossier(etiquette=e, dossier=d) for d in nouveaux if d.region_instructrice_id == region
         for e in etiquettes]
        + [EtiquetteDossier(etiquette=ans[0], dossier=d) for d in nouveaux])
    Suivi.objects.bulk_create([Suivi(dossier=d, agent=u) for d in nouveaux for u in (jeu.ars, jeu.controleur)])


def _requetes(client, url: str) -> tuple[int, object]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
        if getattr(r, "streaming", False):
            b"".join(r.streaming_content)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx), r


def _urls(jeu: Jeu, role: str) -> list[str]:
    liste_url = reverse("bureau:dossiers")
    communes = [liste_url + "?" + TOUTES, liste_url + "?vue=miens&" + TOUTES, liste_url + "?vue=non_affectes",
                liste_url + "?q=volume&" + TOUTES, liste_url + "?etape=controle&" + TOUTES,
                reverse("bureau:exporter") + "?format=csv&" + TOUTES, reverse("bureau:etiquettes")]
    return {
        "referent_ars": [*communes, reverse("candidatures:file"), reverse("declarations:file")],
        "controleur_ans": [*communes, reverse("candidatures:file"), reverse("declarations:file"),
                           reverse("controle:planning")],
    }[role]


@pytest.mark.parametrize("role", ["referent_ars", "controleur_ans"])
def test_liste_et_files_meme_nombre_de_requetes_de_3_a_30(client, role, monkeypatch):
    # the export reads its rows by batches of TAILLE_LOT_EXPORT (a fixed number of queries each): one batch
    # here, so that its count is compared whole; test_export_par_lots checks the batches
    monkeypatch.setattr(liste, "TAILLE_LOT_EXPORT", 100_000)
    jeu = Jeu.creer().grossir(PETIT)
    _garnir(jeu)
    agent = jeu.utilisateurs[role]
    for nom in ("Mes dossiers", "En contrôle"):  # saved filters: one count each, not one per dossier
        services.filtre_enregistrer(agent=agent, nom=nom, requete="vue=miens" if nom == "Mes dossiers"
                                    else "etape=controle", colonnes=list(liste.COLONNES))
    se_connecter(client, agent)
    urls = _urls(jeu, role)
    petit = {url: _requetes(client, url)[0] for url in urls}
    jeu.grossir(GRAND - PETIT)
    _garnir(jeu)
    grand = {url: _requetes(client, url)[0] for url in urls}
    ecarts = {url: (petit[url], grand[url]) for url in urls if petit[url] != grand[url]}
    assert not ecarts, f"requêtes ({PETIT} → {GRAND}) : {ecarts}"


def test_les_files_des_etapes_montrent_l_agent_affecte(client):
    jeu = Jeu.creer().grossir(PETIT)
    _garnir(jeu)
    se_connecter(client, jeu.ars)
    for url in (reverse("candidatures:file"), reverse("declarations:file")):
        html = client.get(url).content.decode()
        assert "Affecté à" in html and f"{jeu.ars} (vous)" in html, url
    client.logout()
    se_connecter(client, jeu.controleur)
    html = client.get(reverse("controle:planning")).content.decode()
    assert "Affecté à" in html and f"{jeu.controleur} (vous)" in html
    # the national view of the candidatures shows the ARS's assignee
    html = client.get(reverse("candidatures:file")).content.decode()
    assert str(jeu.ars) in html


def test_la_liste_dit_son_compte_et_pagine_a_volume(client):
    jeu = Jeu.creer().grossir(GRAND)
    _garnir(jeu)
    se_connecter(client, jeu.controleur)
    _, r = _requetes(client, reverse("bureau:dossiers") + "?" + TOUTES)
    total = etapes.modele_dossier().objects.count()
    assert r.context["page_obj"].paginator.count == total > liste.TAILLE_PAGE
    assert len(r.context["page_obj"].object_list) == liste.TAILLE_PAGE
    assert f"sur {total}." in r.content.decode()
    assert {v["code"]: v["nombre"] for v in r.context["vues"]}["tous"] == total


def test_export_par_lots_un_nombre_fixe_de_requetes_par_lot(client, monkeypatch):
    jeu = Jeu.creer().grossir(PETIT)
    _garnir(jeu)
    se_connecter(client, jeu.controleur)
    url = reverse("bureau:exporter") + "?format=csv&" + TOUTES
    total = etapes.modele_dossier().objects.count()
    comptes = {}
    for taille in (total, (total + 1) // 2, (total + 2) // 3):  # 1, 2 then 3 batches
        monkeypatch.setattr(liste, "TAILLE_LOT_EXPORT", taille)
        n, r = _requetes(client, url)
        comptes[-(-total // taille)] = n
    assert comptes[2] - comptes[1] == comptes[3] - comptes[2] > 0, comptes
