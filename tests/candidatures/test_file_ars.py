"""The ARS instruction queue (views.file_instruction, queries.file_instruction): who sees which
region, the filters, the search, the order, the counts per state, the pagination, and a query
count that does not grow with the number of dossiers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidatures.models import Candidature, PerimetreLigne
from candidatures.regles import TypeCandidature
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import Departement, EntiteJuridique, StatutJuridique
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role, region_de_test
from tests.factories import EntiteJuridiqueFactory, GHTFactory, finess_pour

pytestmark = pytest.mark.django_db

URL = reverse("candidatures:file")
TYPES = {
    StatutJuridique.PUBLIC: TypeCandidature.PUBLIC_HORS_GHT,
    StatutJuridique.PRIVE_EBNL: TypeCandidature.PRIVE_EBNL,
    StatutJuridique.PRIVE_LUCRATIF: TypeCandidature.PRIVE_LUCRATIF,
}


def dossiers(appel, n: int, *, dep: str = "33", etat: str = Candidature.Etat.DEPOSEE, debut: int = 0,
             statut: str = StatutJuridique.PRIVE_LUCRATIF, nom: str = "Clinique") -> list[Candidature]:
    """``n`` candidatures of distinct EJ of ``dep`` (bulk: the queue is what is tested here), each
    with two perimeter lines; submitted one day apart, the first ``debut + 1`` days ago."""
    departement = Departement.objects.select_related("region").get(code=dep)
    ejs = EntiteJuridique.objects.bulk_create([
        EntiteJuridique(finess=finess_pour(dep, 300000 + debut + i), raison_sociale=f"{nom} {dep}-{debut + i}",
                        statut=statut, departement=departement, activite_combinee=Decimal("1000"))
        for i in range(n)
    ])
    maintenant = timezone.now()
    candidatures = Candidature.objects.bulk_create([
        Candidature(appel=appel, entite_juridique=ej, type_candidature=TYPES[statut],
                    region_instructrice=departement.region, etat=etat,
                    deposee_le=None if etat == Candidature.Etat.BROUILLON
                    else maintenant - datetime.timedelta(days=debut + i + 1))
        for i, ej in enumerate(ejs)
    ])
    PerimetreLigne.objects.bulk_create([
        PerimetreLigne(candidature=c, entite_juridique=c.entite_juridique, finess=finess_pour(dep, 800000 + 2 * (debut + i) + k),
                       libelle=f"Site {k} de {c.entite_juridique.raison_sociale}", activite_combinee=Decimal("500"))
        for i, c in enumerate(candidatures) for k in range(2)
    ])
    return candidatures


@pytest.fixture
def ars(client):
    user = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33"))
    agent_verifie(client, user)
    return user


def lignes(reponse) -> list[Candidature]:
    return list(reponse.context["page_obj"].object_list)


# --- access -------------------------------------------------------------------------------------------

def test_anonyme_renvoye_a_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse["Location"]


@pytest.mark.parametrize("role", [Role.REFERENT_ES, Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES])
def test_etablissement_refuse(client, role):
    connecter(client, creer_utilisateur_avec_role(role))
    assert client.get(URL).status_code == 403


def test_ars_ne_voit_que_sa_region(client, appel, ars):
    dossiers(appel, 3, dep="33", nom="Bordeaux")
    dossiers(appel, 2, dep="75", nom="Paris", debut=100)
    reponse = client.get(URL)
    assert reponse.status_code == 200
    noms = {c.entite_juridique.raison_sociale for c in lignes(reponse)}
    assert len(noms) == 3 and all(n.startswith("Bordeaux") for n in noms)
    assert "Paris" not in reponse.content.decode()
    assert reponse.context["lecture_seule"] is False


@pytest.mark.parametrize("role", [Role.CONTROLEUR_ANS, Role.ADMIN_ANS])
def test_ans_voit_toutes_les_regions_avec_un_filtre(client, appel, role):
    dossiers(appel, 3, dep="33", nom="Bordeaux")
    dossiers(appel, 2, dep="75", nom="Paris", debut=100)
    agent_verifie(client, creer_utilisateur_avec_role(role))
    reponse = client.get(URL)
    assert reponse.status_code == 200 and len(lignes(reponse)) == 5
    assert reponse.context["lecture_seule"] is True
    assert "Région" in reponse.content.decode()  # the region filter and column
    idf = region_de_test("75")
    reponse = client.get(URL, {"region": idf.code})
    assert {c.region_instructrice_id for c in lignes(reponse)} == {idf.pk}
    assert len(lignes(reponse)) == 2


def test_ars_d_une_autre_region_ne_voit_rien_de_la_premiere(client, appel):
    dossiers(appel, 3, dep="33")
    agent_verifie(client, creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75")))
    reponse = client.get(URL)
    assert lignes(reponse) == []
    assert "Aucune candidature ne correspond" in reponse.content.decode()


# --- filters, search, order, counts ----------------------------------------------------------------------

def test_par_defaut_les_dossiers_deposes_du_plus_ancien_au_plus_recent(client, appel, ars):
    recents = dossiers(appel, 2, debut=0, nom="Récente")
    anciens = dossiers(appel, 2, debut=50, nom="Ancienne")
    dossiers(appel, 2, debut=200, etat=Candidature.Etat.BROUILLON, nom="Brouillon")
    ordre = [c.pk for c in lignes(client.get(URL))]
    assert ordre == [anciens[1].pk, anciens[0].pk, recents[1].pk, recents[0].pk]
    ordre = [c.pk for c in lignes(client.get(URL, {"tri": "-depot"}))]
    assert ordre == [recents[0].pk, recents[1].pk, anciens[0].pk, anciens[1].pk]


def test_filtre_par_etat_et_comptes_par_etat(client, appel, ars):
    dossiers(appel, 3, debut=0)
    dossiers(appel, 2, debut=10, etat=Candidature.Etat.COMPLEMENT_DEMANDE)
    dossiers(appel, 1, debut=20, etat=Candidature.Etat.COMPLETE)
    dossiers(appel, 4, debut=30, etat=Candidature.Etat.BROUILLON)
    reponse = client.get(URL, {"etat": "complement_demande"})
    assert {c.etat for c in lignes(reponse)} == {"complement_demande"} and len(lignes(reponse)) == 2
    comptes = {c["etat"]: c["nombre"] for c in reponse.context["comptes"]}
    assert comptes == {"brouillon": 4, "deposee": 3, "complement_demande": 2, "complete": 1, "rejetee": 0,
                       "retiree": 0}
    html = reponse.content.decode()
    assert "Complément demandé : 2" in html and "Déposée : 3" in html
    assert len(lignes(client.get(URL))) == 6  # every submitted one, no draft
    assert len(lignes(client.get(URL, {"etat": "brouillon"}))) == 4


def test_filtre_par_type_et_departement(client, appel, ars):
    dossiers(appel, 2, dep="33", statut=StatutJuridique.PRIVE_EBNL, nom="Fondation")
    dossiers(appel, 3, dep="24", statut=StatutJuridique.PRIVE_LUCRATIF, nom="Clinique", debut=10)
    reponse = client.get(URL, {"type": TypeCandidature.PRIVE_EBNL})
    assert {c.type_candidature for c in lignes(reponse)} == {TypeCandidature.PRIVE_EBNL}
    assert len(lignes(reponse)) == 2
    reponse = client.get(URL, {"departement": "24"})
    assert {c.entite_juridique.departement.code for c in lignes(reponse)} == {"24"} and len(lignes(reponse)) == 3
    comptes = {c["etat"]: c["nombre"] for c in reponse.context["comptes"]}
    assert comptes["deposee"] == 3  # counts follow the other filters


def test_filtre_departement_d_une_autre_region_refuse_sans_erreur(client, appel, ars):
    dossiers(appel, 2, dep="33")
    reponse = client.get(URL, {"departement": "75"})  # not a choice for this agent: the filter is ignored
    assert reponse.status_code == 200
    assert reponse.context["filtre"].errors


def test_recherche_par_nom_finess_ej_et_finess_du_perimetre(client, appel, ars):
    cibles = dossiers(appel, 1, nom="Polyclinique Bordeaux Nord")
    dossiers(appel, 3, nom="Clinique", debut=10)
    cible = cibles[0]
    assert [c.pk for c in lignes(client.get(URL, {"q": "bordeaux nord"}))] == [cible.pk]
    assert [c.pk for c in lignes(client.get(URL, {"q": cible.entite_juridique.finess}))] == [cible.pk]
    finess_site = cible.perimetre.first().finess
    assert [c.pk for c in lignes(client.get(URL, {"q": f" {finess_site[:3]} {finess_site[3:]} "}))] == [cible.pk]
    assert lignes(client.get(URL, {"q": "introuvable"})) == []


def test_recherche_par_nom_de_ght(client, appel, ars):
    ght = GHTFactory(nom="GHT Alliance de Gironde", support=EntiteJuridiqueFactory(raison_sociale="CHU de Bordeaux"))
    c = Candidature.objects.create(appel=appel, ght=ght, entite_juridique=ght.support, type_candidature="ght",
                                   region_instructrice=ght.support.departement.region, etat="deposee",
                                   deposee_le=timezone.now())
    dossiers(appel, 2, nom="Clinique")
    assert [x.pk for x in lignes(client.get(URL, {"q": "alliance"}))] == [c.pk]
    assert [x.pk for x in lignes(client.get(URL, {"q": ght.code}))] == [c.pk]


def test_pagination_dsfr_garde_les_filtres(client, appel, ars):
    dossiers(appel, 30)
    reponse = client.get(URL, {"type": TypeCandidature.PRIVE_LUCRATIF})
    assert len(lignes(reponse)) == 25
    html = reponse.content.decode()
    assert "fr-pagination__list" in html and "type=prive_lucratif&amp;page=2" in html
    reponse = client.get(URL, {"type": TypeCandidature.PRIVE_LUCRATIF, "page": 2})
    assert len(lignes(reponse)) == 5
    assert client.get(URL, {"page": "abc"}).status_code == 200


# --- query count --------------------------------------------------------------------------------------------

def _requetes(client, **params) -> int:
    client.get(URL, params)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(URL, params)
    assert reponse.status_code == 200
    return len(requetes)


@pytest.mark.parametrize("params", [{}, {"q": "Clinique", "departement": "33", "etat": "deposee"}])
def test_nombre_de_requetes_identique_pour_5_et_200_dossiers(client, appel, ars, params):
    dossiers(appel, 5)
    avec_5 = _requetes(client, **params)
    dossiers(appel, 195, debut=5)
    avec_200 = _requetes(client, **params)
    assert Candidature.objects.count() == 200
    assert avec_5 == avec_200, f"{avec_5} requêtes pour 5 dossiers, {avec_200} pour 200"


def test_nombre_de_requetes_identique_pour_l_ans(client, appel):
    agent_verifie(client, creer_utilisateur_avec_role(Role.CONTROLEUR_ANS))
    dossiers(appel, 5)
    avec_5 = _requetes(client)
    dossiers(appel, 100, debut=5)
    dossiers(appel, 95, dep="75", debut=200)
    assert avec_5 == _requetes(client)
