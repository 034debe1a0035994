"""The dossier's timeline merges the notifications sent about it (candidatures.queries.chronologie)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from candidatures import queries
from candidatures import services as cs
from tests.candidatures import donnees as dc
from tests.comptes.helpers import connecter
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory

from .outils import executer

pytestmark = pytest.mark.django_db


def test_chronologie_fusionne_les_notifications_sans_adresses(client):
    ej = EntiteJuridiqueFactory()
    EtablissementGeographiqueFactory(entite_juridique=ej)
    referent = dc.referent(ej)
    dc.ars("33", email="ars-chrono@exemple.fr")
    c = cs.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    c = executer(dc.deposer, c, referent)
    evenements = queries.chronologie(c)
    titres = [e.titre for e in evenements]
    assert "Notification envoyée : Votre candidature est déposée" in titres
    assert f"Notification envoyée : Candidature déposée : {c.structure_libelle}" in titres
    assert "Candidature déposée" in titres
    # most recent first, notifications after the deposit they follow
    assert [e.le for e in evenements] == sorted((e.le for e in evenements), reverse=True)
    depot = titres.index("Candidature déposée")
    assert titres.index("Notification envoyée : Votre candidature est déposée") < depot
    notif = next(e for e in evenements if e.genre == "notification" and "Votre candidature" in e.titre)
    assert notif.detail == "1 destinataire — Envoyé" and notif.acteur == "eCaRE (automatique)"
    connecter(client, referent)
    html = client.get(reverse("candidatures:detail", args=[c.pk])).content.decode()
    assert "Notification envoyée : Votre candidature est déposée" in html
    assert "ars-chrono@exemple.fr" not in html.split('id="section-chronologie"', 1)[1]
