"""The agents' search (recherche.py): one field, accents and case ignored, by structure name (EJ, GHT,
establishment), FINESS, convention number, payment reference, a person's name or e-mail; scoped to what the
agent sees. Runs on SQLite (its UNACCENT function) and on PostgreSQL (unaccent + pg_trgm), where a close
spelling also matches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from care_portal.bureau import recherche, selectors
from care_portal.core import etapes
from conventions.models import Convention
from tests.factories import EtablissementGeographiqueFactory, GHTFactory

from .donnees import Monde, deposee

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return Monde.creer()


def _trouve(user, texte: str) -> set[int]:
    return set(recherche.rechercher(selectors.dossiers_pour(user), texte).values_list("pk", flat=True))


def test_les_etapes_declarent_ce_que_la_recherche_lit():
    lookups = etapes.champs_recherche()
    assert {"entite_juridique__raison_sociale", "entite_juridique__finess", "ght__nom", "perimetre__finess",
            "referent_email", "convention__numero", "declaration__controle__paiement__reference"} <= set(lookups)


@pytest.mark.parametrize("texte", ["sainte-helene", "SAINTE HÉLÈNE", "centre hospitalier sainte", "Hélène"])
def test_par_nom_de_structure_sans_accents_ni_majuscules(m, texte):
    assert _trouve(m.ans, texte) == {m.dossier.pk}


def test_par_finess_meme_tape_avec_des_espaces(m):
    finess = m.dossier.entite_juridique.finess
    assert _trouve(m.ars, finess) == {m.dossier.pk}
    assert _trouve(m.ars, f"{finess[:3]} {finess[3:6]} {finess[6:]}") == {m.dossier.pk}
    assert _trouve(m.ars, finess[:-1] + ("0" if finess[-1] != "0" else "1")) == set()


def test_par_etablissement_du_perimetre_et_par_son_finess(m):
    ej = m.dossier.entite_juridique
    eg = EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Clinique des Mûriers")
    assert _trouve(m.ars, "murier") == {m.dossier.pk}
    assert _trouve(m.ars, eg.finess) == {m.dossier.pk}


def test_par_ght_son_code_et_ses_membres(m):
    from care_portal.referentiel.models import EntiteJuridique

    ght = GHTFactory(code="NA-42", nom="GHT Landes Océanes")
    c = deposee(ght, m.appel)
    membre = EntiteJuridique.objects.exclude(pk=ght.support_id).filter(ghts=ght).first()
    assert _trouve(m.ars, "oceanes") == {c.pk}
    assert _trouve(m.ars, "na-42") == {c.pk}
    if membre is not None:  # a member EJ of the GHT finds its candidature (perimeter line)
        assert c.pk in _trouve(m.ars, membre.finess)


def test_par_numero_de_convention(m):
    from candidatures.models import Candidature

    Candidature.objects.filter(pk=m.dossier.pk).update(etat="complete")
    Convention.objects.create(candidature=m.dossier, numero="CARE-D1-2024-0042", plafond=Decimal("1"),
                              montant=Decimal("1"))
    assert _trouve(m.ans, "care-d1-2024-0042") == {m.dossier.pk}
    assert _trouve(m.ans, "0042") == {m.dossier.pk}


@pytest.mark.parametrize("texte", ["jerome lefevre", "LEFÈVRE", "j.lefevre@ch-sainte-helene.fr", "J.Lefevre@CH"])
def test_par_personne_nom_ou_email(m, texte):
    assert _trouve(m.ars, texte) == {m.dossier.pk}


def test_chaque_mot_doit_se_trouver(m):
    assert _trouve(m.ans, "hélène zoé") == set()
    assert _trouve(m.ans, "zoé saint-éloi") == {m.dossier_idf.pk}


def test_la_recherche_ne_voit_que_la_portee_de_l_agent(m):
    assert _trouve(m.ars, "Saint-Éloi") == set()  # Île-de-France's dossier, searched by Gironde's ARS
    assert _trouve(m.ars_idf, "Saint-Éloi") == {m.dossier_idf.pk}
    assert _trouve(m.ans, "saint") == {m.dossier.pk, m.dossier_idf.pk}
    assert _trouve(m.es, "sainte") == set()  # the desk is the agents' only


def test_une_recherche_vide_ou_faite_de_caracteres_speciaux_ne_casse_rien(m):
    assert _trouve(m.ans, "   ") == {m.dossier.pk, m.dossier_idf.pk}
    for texte in ("%", "_", "'; DROP TABLE x; --", "\\", "a" * 500):
        _trouve(m.ans, texte)  # no error; "%" and "_" are escaped, not wildcards
    assert _trouve(m.ans, "%") == set()


def test_un_dossier_a_plusieurs_lignes_n_est_compte_qu_une_fois(m):
    for i in range(3):
        EtablissementGeographiqueFactory(entite_juridique=m.dossier.entite_juridique, raison_sociale=f"Site Hélios {i}")
    qs = recherche.rechercher(selectors.dossiers_pour(m.ans), "helios")
    assert qs.count() == 1 and list(qs.values_list("pk", flat=True)) == [m.dossier.pk]


@pytest.mark.services("PostgreSQL")
def test_postgresql_une_orthographe_proche_trouve_aussi(m):
    assert connection.vendor == "postgresql"
    assert _trouve(m.ans, "Sainte-Hélenne") == {m.dossier.pk}  # a typo
    assert _trouve(m.ans, "hospitallier lefevvre") == {m.dossier.pk}
    assert _trouve(m.ans, "Zzyzx") == set()
