"""Public statistics (never an establishment named, small counts suppressed) and the eligibility checker."""

from __future__ import annotations

import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max
from django.urls import reverse

from accompagnement.statistiques import masquer
from accompagnement.views import MESSAGE_INCONNU
from candidatures.models import Candidature
from care_portal.referentiel.models import EntiteJuridique
from tests.accompagnement.helpers import ght_de_test
from tests.factories import CandidatureFactory, EntiteJuridiqueFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_masquer_primaire_et_secondaire():
    grille = [[3, 10, 0, 13], [8, 9, 6, 23], [11, 19, 6, 36]]
    m = masquer(grille)
    assert m[0][0]  # 3 < 5
    assert m[0][1]  # secondary: otherwise 13 − 10 gives it back
    assert not m[0][2]  # zero stays zero
    assert sum(m[0]) != 1 and all(sum(m[i][j] for i in range(3)) != 1 for j in range(4))


def test_statistiques_ne_nomment_aucun_etablissement(client):
    for i in range(6):
        CandidatureFactory(structure=EntiteJuridiqueFactory(raison_sociale=f"Clinique Secrète {i}"),
                           etat=Candidature.Etat.DEPOSEE)
    CandidatureFactory(structure=EntiteJuridiqueFactory(raison_sociale="Hôpital Brouillon"))
    html = client.get(reverse("accompagnement:statistiques")).content.decode()
    csv = client.get(reverse("accompagnement:statistiques_csv")).content.decode("utf-8-sig")
    for texte in (html, csv):
        assert "Clinique" not in texte and "Hôpital Brouillon" not in texte
        assert not any(ej.finess in texte for ej in
                       (c.entite_juridique for c in Candidature.objects.select_related("entite_juridique")))
    assert "Nouvelle-Aquitaine;6;" in csv  # 6 submitted, the draft not counted


def test_petit_nombre_masque(client):
    CandidatureFactory(etat=Candidature.Etat.DEPOSEE)
    csv = client.get(reverse("accompagnement:statistiques_csv")).content.decode("utf-8-sig")
    assert "Nouvelle-Aquitaine;moins de 5;" in csv
    assert ";1;" not in csv


def test_eligibilite_d_un_membre_de_ght_sans_rien_enregistrer(client, django_assert_max_num_queries):
    from tests.factories import AppelFactory

    AppelFactory()
    ght = ght_de_test()
    membre = ght.membres.get(raison_sociale="CH membre 1")
    avant = Candidature.objects.count()
    r = client.get(reverse("accompagnement:eligibilite"), {"etablissement": f"ej:{membre.pk}"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "Structure éligible au Domaine 1" in html and "CHU de Libourne" in html
    # 6000 + 3000 = 90 % of 10 000: the support and the first member only
    assert html.count("Non requis : le seuil de 90 % est atteint") == 2
    assert "Montant plafond" in html
    assert Candidature.objects.count() == avant


def test_eligibilite_structure_inconnue_et_limite(client, settings):
    """A verdict and a search both read the referential: both count against the search limit, per address."""
    url = reverse("accompagnement:eligibilite")
    inconnue = f"ej:{(EntiteJuridique.objects.aggregate(m=Max('pk'))['m'] or 0) + 1}"
    settings.CARE_LIMITES = {**settings.CARE_LIMITES, "recherche": {"ip": "3/m"}}
    # the clock stands still 30 s into a one-minute window: no window boundary falls between the requests
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, 30, tzinfo=PARIS), tick=False):
        r = client.get(url, {"etablissement": inconnue})
        assert r.status_code == 404 and MESSAGE_INCONNU in unescape(r.content.decode())
        for _ in range(2):
            assert client.get(url, {"q": "Libourne"}).status_code == 200
        refus = client.get(url, {"q": "Libourne"})
        assert refus.status_code == 429 and refus["Retry-After"] == "30"
        assert client.get(url, {"etablissement": inconnue}).status_code == 429  # a verdict is refused too
        assert client.get(url, {"q": "Libourne"}, REMOTE_ADDR="10.6.0.1").status_code == 200  # another address
