"""import_finess: real-format files written into tmp_path, Latin-1 and UTF-8, bad lines, re-import."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, OperationalError

from care_portal.referentiel import imports
from care_portal.referentiel.finess import erreur_finess
from care_portal.referentiel.imports import NumerosVus, importer_entites_juridiques, importer_etablissements
from care_portal.referentiel.models import EntiteJuridique, EtablissementGeographique, StatutJuridique
from tests.factories import finess_pour

RACINE = Path(__file__).resolve().parents[2]
ENTETE = "finess;etalab;93;2024-12-31"

# Written out here rather than imported: a wrong column order in the module must fail these tests.
COLONNES_ET = (
    "structureet nofinesset nofinessej rs rslongue complrs compldistrib numvoie typvoie voie compvoie "
    "lieuditbp commune departement libdepartement ligneacheminement telephone telecopie categetab "
    "libcategetab categagretab libcategagretab siret codeape codemft libmft codesph libsph dateouv "
    "dateautor datemaj numuai"
).split()
COLONNES_EJ = (
    "structureej nofinessej rs rslongue complrs compldistrib numvoie typvoie voie compvoie lieuditbp "
    "commune departement libdepartement ligneacheminement telephone telecopie statutjur libstatutjur "
    "siren datecrea datemaj"
).split()
assert len(COLONNES_ET) == 32 and len(COLONNES_EJ) == 22


def ligne_et(et: str, ej: str, **valeurs: str) -> str:
    v = {
        "structureet": "structureet", "nofinesset": et, "nofinessej": ej, "rs": "CH DE TEST",
        "rslongue": "CENTRE HOSPITALIER DE TEST", "numvoie": "12", "typvoie": "R", "voie": "DES LILAS",
        "commune": "063", "departement": "33", "libdepartement": "GIRONDE",
        "ligneacheminement": "33000 BORDEAUX", "telephone": "0556000000", "categetab": "355",
        "libcategetab": "Centre Hospitalier (C.H.)", "categagretab": "1102",
        "libcategagretab": "Centres Hospitaliers", "siret": "26330000100017", "codeape": "8610Z",
        "codemft": "03", "libmft": "ARS établissements Publics de santé dotation globale", "codesph": "1",
        "libsph": "Etablissement public de santé", "dateouv": "1970-01-01", "dateautor": "1970-01-01",
        "datemaj": "2024-01-15",
    }
    v.update(valeurs)
    return ";".join(v.get(c, "") for c in COLONNES_ET)


def ligne_ej(ej: str, **valeurs: str) -> str:
    v = {
        "structureej": "structureej", "nofinessej": ej, "rs": "CH DE TEST", "rslongue": "CENTRE HOSPITALIER",
        "departement": "33", "libdepartement": "GIRONDE", "ligneacheminement": "33000 BORDEAUX",
        "statutjur": "13", "libstatutjur": "Etablissement Public Communal d'Hospitalisation",
        "siren": "263300001", "datecrea": "1970-01-01", "datemaj": "2024-01-15",
    }
    v.update(valeurs)
    return ";".join(v.get(c, "") for c in COLONNES_EJ)


def geoloc(et: str) -> str:
    source = "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"
    return f"geolocalisation;{et};417242.7;6422335.4;{source};2024-01-05"


def ecrire(chemin: Path, lignes: list[str], encodage: str = "utf-8") -> Path:
    chemin.write_bytes(("\n".join([ENTETE, *lignes]) + "\n").encode(encodage))
    return chemin


def lancer(*args: str) -> tuple[str, CommandError | None]:
    sortie = StringIO()
    try:
        call_command("import_finess", *[str(a) for a in args], stdout=sortie, stderr=StringIO())
    except CommandError as exc:
        return sortie.getvalue(), exc
    return sortie.getvalue(), None


# Three numbers used by several tests.
ET_STNAZAIRE, EJ_STNAZAIRE = finess_pour("44", 1), finess_pour("44", 2)
ET_HOPITAL, ET_CLINIQUE, EJ_CLINIQUE = finess_pour("33", 11), finess_pour("33", 12), finess_pour("33", 13)


def fichier_realiste(tmp_path: Path, encodage: str) -> Path:
    return ecrire(tmp_path / f"etalab_et_{encodage}.csv", [
        ligne_et(ET_STNAZAIRE, EJ_STNAZAIRE, rs="CH DE SAINT-NAZAIRE",
                 rslongue="CENTRE HOSPITALIER DE SAINT-NAZAIRE", departement="44",
                 libdepartement="LOIRE ATLANTIQUE", ligneacheminement="44606 ST NAZAIRE CEDEX",
                 datemaj="2023-11-02"),
        ligne_et(ET_HOPITAL, EJ_STNAZAIRE, rs="Hôpital de jour Les Érables",
                 ligneacheminement="33076 BORDEAUX CEDEX 9", categetab="292",
                 libcategetab="Centre Hospitalier Spécialisé lutte Maladies Mentales"),
        ligne_et(ET_CLINIQUE, EJ_CLINIQUE, rs="Clinique Sainte-Anne", rslongue="",
                 ligneacheminement="33300 BORDEAUX", categetab="365", categagretab="1106", siret=""),
        geoloc(ET_STNAZAIRE), geoloc(ET_HOPITAL), geoloc(ET_CLINIQUE),
    ], encodage)


@pytest.mark.django_db
@pytest.mark.parametrize("encodage", ["latin-1", "utf-8"])
def test_fichier_realiste_dans_les_deux_encodages(tmp_path, encodage):
    chemin = fichier_realiste(tmp_path, encodage)
    # The file really is in that encoding (ô is one byte in Latin-1, two in UTF-8).
    assert (b"H\xf4pital" in chemin.read_bytes()) is (encodage == "latin-1")

    rapport = importer_etablissements(chemin)

    assert (rapport.crees, rapport.mis_a_jour, rapport.inchanges, rapport.rejetes) == (3, 0, 0, 0)
    assert rapport.ignorees == 3  # geolocalisation lines are neither imported nor rejected
    assert rapport.ej_creees_d_office == 2
    st_nazaire = EtablissementGeographique.objects.get(finess=ET_STNAZAIRE)
    assert st_nazaire.raison_sociale_longue == "CENTRE HOSPITALIER DE SAINT-NAZAIRE"
    assert (st_nazaire.code_postal, st_nazaire.commune) == ("44606", "ST NAZAIRE")
    assert st_nazaire.departement.code == "44"
    assert st_nazaire.date_maj_finess == date(2023, 11, 2)
    assert st_nazaire.categorie_code == "355" and st_nazaire.categorie_agregee_code == "1102"
    assert st_nazaire.siret == "26330000100017"
    hopital = EtablissementGeographique.objects.get(finess=ET_HOPITAL)
    assert hopital.raison_sociale == "Hôpital de jour Les Érables"
    assert hopital.categorie_libelle == "Centre Hospitalier Spécialisé lutte Maladies Mentales"
    assert (hopital.code_postal, hopital.commune) == ("33076", "BORDEAUX")
    assert hopital.entite_juridique_id == st_nazaire.entite_juridique_id
    clinique = EtablissementGeographique.objects.get(finess=ET_CLINIQUE)
    assert clinique.raison_sociale == "Clinique Sainte-Anne"
    # EJ absent from any EJ file: a placeholder in the département of its number.
    ej = clinique.entite_juridique
    assert (ej.finess, ej.raison_sociale, ej.statut, ej.departement.code) == (
        EJ_CLINIQUE, f"EJ {EJ_CLINIQUE}", "", "33",
    )
    assert EntiteJuridique.objects.get(finess=EJ_STNAZAIRE).departement.code == "44"


@pytest.mark.django_db
def test_ligne_reelle_de_l_extraction(tmp_path):
    # A line as published (CH de Bourg-en-Bresse, 010000024), without going through the test helpers.
    reelle = (
        "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE;;;900;RTE;"
        "DE PARIS;;BP 401;451;01;AIN;01012 BOURG EN BRESSE CEDEX;0474454647;0474454175;355;"
        "Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;"
        "ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;"
        "1979-02-13;1979-02-13;2020-02-04;"
    )
    chemin = tmp_path / "et.csv"
    chemin.write_bytes((ENTETE + "\r\n" + reelle + "\r\n").encode("latin-1"))  # CRLF as on data.gouv.fr

    sortie, erreur = lancer(chemin)

    assert erreur is None, sortie
    et = EtablissementGeographique.objects.get(finess="010000024")
    assert et.entite_juridique.finess == "010780054"
    assert (et.raison_sociale, et.departement.code, et.commune, et.code_postal) == (
        "CH DE FLEYRIAT", "01", "BOURG EN BRESSE", "01012",
    )
    assert et.date_maj_finess == date(2020, 2, 4)
    assert "1 créé(e)s" in sortie


@pytest.mark.django_db
def test_outre_mer_departement_en_lettres(tmp_path):
    et, ej = finess_pour("971", 1), finess_pour("971", 2)
    et_mayotte = finess_pour("976", 3)
    chemin = ecrire(tmp_path / "et.csv", [
        ligne_et(et, ej, rs="CHU DE POINTE-A-PITRE", departement="9A", libdepartement="GUADELOUPE",
                 ligneacheminement="97159 POINTE A PITRE CEDEX"),
        ligne_et(et_mayotte, finess_pour("976", 4), rs="CH DE MAYOTTE", departement="9F",
                 ligneacheminement="97600 MAMOUDZOU"),
    ])

    rapport = importer_etablissements(chemin)

    assert rapport.rejetes == 0
    guadeloupe = EtablissementGeographique.objects.get(finess=et)
    assert guadeloupe.departement.code == "971"
    assert guadeloupe.departement.region.nom == "Guadeloupe"
    assert guadeloupe.entite_juridique.departement.code == "971"  # placeholder: 97 1 from the number
    assert EtablissementGeographique.objects.get(finess=et_mayotte).departement.code == "976"


@pytest.mark.django_db
def test_lignes_invalides_rejetees_le_reste_importe(tmp_path):
    bon1, bon2, ej = finess_pour("33", 21), finess_pour("33", 22), finess_pour("33", 23)
    mauvaise_cle = bon1[:-1] + str((int(bon1[-1]) + 1) % 10)
    lignes = [
        ligne_et(bon1, ej),                                                    # 2
        geoloc(bon1),                                                          # 3
        ligne_et(finess_pour("33", 24), ej)[: -len(";")],                      # 4: 31 columns
        "structureet;" + finess_pour("33", 25) + ";n'importe quoi",            # 5
        ligne_et(mauvaise_cle, ej),                                            # 6
        ligne_et(finess_pour("33", 26), ej, departement="99"),                 # 7
        ligne_et(bon1, ej, rs="DOUBLON"),                                      # 8
        ligne_et(finess_pour("33", 27), ej, datemaj="2024-13-45"),             # 9
        ligne_et(finess_pour("33", 28), "33000000X"),                          # 10
        "bonjour;le;monde",                                                    # 11
        ligne_et(finess_pour("33", 29), ej, rs=""),                            # 12
        ligne_et(finess_pour("33", 30), ej, rs="X" * 256),                     # 13
        ligne_et(finess_pour("33", 31), ej, datemaj="15/01/2024"),             # 14
        "",                                                                    # 15: blank, skipped
        ligne_et(bon2, ej),                                                    # 16
    ]
    chemin = ecrire(tmp_path / "et.csv", lignes)

    sortie, erreur = lancer(chemin)

    assert erreur is not None and "11 ligne(s) rejetée(s)" in str(erreur)
    attendus = {
        4: "31 colonnes au lieu de 32",
        5: "3 colonnes au lieu de 32",
        6: "clé de contrôle ne correspond pas",
        7: "département « 99 » inconnu",
        8: f"numéro FINESS {bon1} en double",
        9: "date « 2024-13-45 » invalide",
        10: "numéro FINESS de l'EJ de rattachement (nofinessej)",
        11: "type « bonjour » inattendu",
        12: "raison sociale absente",
        13: "la colonne rs dépasse 255 caractères",
        14: "date « 15/01/2024 » invalide",
    }
    for numero, motif in attendus.items():
        debut = f"  et.csv, ligne {numero} :"
        assert any(x.startswith(debut) and motif in x for x in sortie.splitlines()), (numero, motif, sortie)
    assert "ligne 3 " not in sortie and "ligne 15 " not in sortie
    assert set(EtablissementGeographique.objects.values_list("finess", flat=True)) == {bon1, bon2}
    # The first occurrence wins; the duplicate did not overwrite it.
    assert EtablissementGeographique.objects.get(finess=bon1).raison_sociale == "CH DE TEST"


@pytest.mark.django_db
def test_ej_inconnue_dans_un_departement_inconnu_rejetee(tmp_path):
    # 975 (Saint-Pierre-et-Miquelon) is not in the referential: the placeholder EJ cannot be made.
    et, ej = finess_pour("33", 41), finess_pour("975", 1)
    autre = ligne_et(finess_pour("33", 42), finess_pour("33", 43))
    chemin = ecrire(tmp_path / "et.csv", [ligne_et(et, ej), autre])

    rapport = importer_etablissements(chemin)

    assert rapport.rejetes == 1 and rapport.crees == 1
    assert rapport.rejets[0].ligne == 2
    assert f"entité juridique {ej} absente" in rapport.rejets[0].motif
    assert not EtablissementGeographique.objects.filter(finess=et).exists()
    assert not EntiteJuridique.objects.filter(finess=ej).exists()


@pytest.mark.django_db
def test_reimport_idempotent_puis_mise_a_jour(tmp_path):
    chemin = fichier_realiste(tmp_path, "latin-1")
    premier = importer_etablissements(chemin)
    assert premier.crees == 3
    # activite_combinee comes from ATIH: a FINESS import must leave it alone.
    EtablissementGeographique.objects.filter(finess=ET_HOPITAL).update(activite_combinee=Decimal("1234.56"))
    EntiteJuridique.objects.filter(finess=EJ_STNAZAIRE).update(activite_combinee=Decimal("99.00"))

    second = importer_etablissements(chemin)

    assert (second.crees, second.mis_a_jour, second.inchanges, second.rejetes) == (0, 0, 3, 0)
    assert second.ej_creees_d_office == 0
    assert EtablissementGeographique.objects.count() == 3 and EntiteJuridique.objects.count() == 2

    texte = chemin.read_bytes().decode("latin-1")
    texte = texte.replace("Clinique Sainte-Anne", "Clinique Ste-Anne Bordeaux")
    texte = texte.replace(f"{ET_HOPITAL};{EJ_STNAZAIRE}", f"{ET_HOPITAL};{EJ_CLINIQUE}")
    chemin.write_bytes(texte.encode("latin-1"))
    sortie, erreur = lancer(chemin)

    assert erreur is None
    assert "0 créé(e)s, 2 mis(es) à jour, 1 inchangé(e)s, 0 ligne(s) rejetée(s)" in sortie
    clinique = EtablissementGeographique.objects.get(finess=ET_CLINIQUE)
    assert clinique.raison_sociale == "Clinique Ste-Anne Bordeaux"
    hopital = EtablissementGeographique.objects.get(finess=ET_HOPITAL)
    assert hopital.entite_juridique.finess == EJ_CLINIQUE
    assert hopital.activite_combinee == Decimal("1234.56")
    assert EntiteJuridique.objects.get(finess=EJ_STNAZAIRE).activite_combinee == Decimal("99.00")
    assert EtablissementGeographique.objects.count() == 3


@pytest.mark.django_db
def test_fichier_ej_importe_avant_les_etablissements(tmp_path):
    ej_public, ej_ebnl, ej_lucratif = finess_pour("44", 51), finess_pour("2A", 52), finess_pour("972", 53)
    fichier_ej = ecrire(tmp_path / "ej.csv", [
        ligne_ej(ej_public, rs="CENTRE HOSPITALIER DE SAINT-NAZAIRE", departement="44", statutjur="13",
                 ligneacheminement="44606 ST NAZAIRE CEDEX", siren="264400227", datemaj="2022-06-30"),
        ligne_ej(ej_ebnl, rs="Association Hôpital Sainte-Élisabeth", departement="2A", statutjur="61",
                 ligneacheminement="20000 AJACCIO"),
        ligne_ej(ej_lucratif, rs="SAS Clinique Sainte-Anne", departement="9B", statutjur="72"),
        ligne_ej(finess_pour("33", 54), statutjur="AB"),
        ligne_ej(finess_pour("33", 55), siren="12345"),
        ligne_ej(ej_public, rs="DOUBLON"),
    ], "latin-1")
    fichier_et = ecrire(tmp_path / "et.csv", [
        ligne_et(finess_pour("44", 56), ej_public, departement="44"),
        ligne_et(finess_pour("2A", 57), ej_ebnl, departement="2A"),
        ligne_et(finess_pour("972", 58), ej_lucratif, departement="9B"),
    ])

    sortie, erreur = lancer(fichier_et, "--ej", fichier_ej)

    assert erreur is not None and "3 ligne(s) rejetée(s)" in str(erreur)
    assert "Entités juridiques (ej.csv) : 3 créé(e)s" in sortie
    assert "Établissements (et.csv) : 3 créé(e)s" in sortie
    assert "ej.csv, ligne 5 : code de statut juridique « AB » inconnu" in sortie
    assert "ej.csv, ligne 6 : SIREN « 12345 » invalide" in sortie
    assert f"ej.csv, ligne 7 : numéro FINESS {ej_public} en double" in sortie
    public = EntiteJuridique.objects.get(finess=ej_public)
    assert (public.raison_sociale, public.statut, public.statut_juridique_code) == (
        "CENTRE HOSPITALIER DE SAINT-NAZAIRE", StatutJuridique.PUBLIC, "13",
    )
    assert (public.commune, public.siren) == ("ST NAZAIRE", "264400227")
    assert public.date_maj_finess == date(2022, 6, 30)
    ebnl = EntiteJuridique.objects.get(finess=ej_ebnl)
    assert (ebnl.statut, ebnl.departement.code, ebnl.raison_sociale) == (
        StatutJuridique.PRIVE_EBNL, "2A", "Association Hôpital Sainte-Élisabeth",
    )
    lucratif = EntiteJuridique.objects.get(finess=ej_lucratif)
    assert (lucratif.statut, lucratif.departement.code) == (StatutJuridique.PRIVE_LUCRATIF, "972")
    assert EntiteJuridique.objects.count() == 3  # no placeholder: every EJ came from the EJ file
    assert EtablissementGeographique.objects.get(finess=finess_pour("2A", 57)).entite_juridique == ebnl


@pytest.mark.django_db
def test_fichier_ej_complete_une_ej_creee_d_office(tmp_path):
    et, ej = finess_pour("33", 61), finess_pour("33", 62)
    importer_etablissements(ecrire(tmp_path / "et.csv", [ligne_et(et, ej)]))
    assert EntiteJuridique.objects.get(finess=ej).raison_sociale == f"EJ {ej}"
    EntiteJuridique.objects.filter(finess=ej).update(activite_combinee=Decimal("500.00"))

    fichier_ej = ecrire(tmp_path / "ej.csv", [ligne_ej(ej, rs="CH D'ARCACHON", statutjur="45")])
    rapport = importer_entites_juridiques(fichier_ej)

    assert (rapport.crees, rapport.mis_a_jour) == (0, 1)
    completee = EntiteJuridique.objects.get(finess=ej)
    assert (completee.raison_sociale, completee.statut) == ("CH D'ARCACHON", StatutJuridique.PRIVE_EBNL)
    assert completee.activite_combinee == Decimal("500.00")


@pytest.mark.django_db
def test_lots_et_doublons_entre_lots(tmp_path):
    numeros = [finess_pour("33", 100 + i) for i in range(7)]
    ej = finess_pour("33", 99)
    lignes = [ligne_et(n, ej) for n in numeros] + [ligne_et(numeros[0], ej), ligne_et(numeros[5], ej)]

    rapport = importer_etablissements(ecrire(tmp_path / "et.csv", lignes), taille_lot=2)

    assert (rapport.crees, rapport.rejetes) == (7, 2)
    assert [r.ligne for r in rapport.rejets] == [9, 10]
    assert EtablissementGeographique.objects.count() == 7
    assert EntiteJuridique.objects.filter(finess=ej).count() == 1  # one placeholder, not one per batch


@pytest.mark.django_db
def test_erreur_de_base_isolee_a_sa_ligne(tmp_path, monkeypatch):
    numeros = [finess_pour("33", 200 + i) for i in range(3)]
    ej = finess_pour("33", 199)
    vrai_upsert = imports._upsert

    def upsert_fragile(modele, champs, lot, bilan):
        if any(ligne.finess == numeros[1] for ligne in lot):
            raise DataError("valeur refusée")
        vrai_upsert(modele, champs, lot, bilan)

    monkeypatch.setattr(imports, "_upsert", upsert_fragile)

    rapport = importer_etablissements(ecrire(tmp_path / "et.csv", [ligne_et(n, ej) for n in numeros]))

    assert (rapport.crees, rapport.rejetes) == (2, 1)
    assert rapport.rejets[0].ligne == 3 and "refusée par la base de données" in rapport.rejets[0].motif
    assert set(EtablissementGeographique.objects.values_list("finess", flat=True)) == {numeros[0], numeros[2]}


@pytest.mark.django_db
def test_base_indisponible_arret_en_francais(tmp_path, monkeypatch):
    def upsert_en_panne(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "_upsert", upsert_en_panne)

    chemin = ecrire(tmp_path / "et.csv", [ligne_et(finess_pour("33", 250), finess_pour("33", 251))])
    _, erreur = lancer(chemin)

    assert erreur is not None
    assert str(erreur).startswith("Import interrompu par la base de données : database is locked.")


def test_parametres_stables():
    assert len(imports.parametres_stables(["010000024"])) == 64
    valeurs = imports.parametres_stables(finess_pour("33", i) for i in range(700))
    assert len(valeurs) == 1024 and len(set(valeurs)) == 1024
    assert valeurs[:700] == [finess_pour("33", i) for i in range(700)]
    assert all(erreur_finess(v) for v in valeurs[700:])  # padding can never match a row


@pytest.mark.django_db
def test_rapport_limite_a_50_lignes_et_csv_complet(tmp_path):
    ej = finess_pour("33", 299)
    lignes = [ligne_et(finess_pour("33", 300 + i), ej, departement="99") for i in range(60)]
    chemin = ecrire(tmp_path / "et.csv", lignes)
    rapport_csv = tmp_path / "rejets.csv"

    sortie, erreur = lancer(chemin, "--rapport", rapport_csv)

    assert erreur is not None and "60 ligne(s) rejetée(s)" in str(erreur) and "rejets.csv" in str(erreur)
    details = [ligne for ligne in sortie.splitlines() if ligne.startswith("  et.csv, ligne ")]
    assert len(details) == 50
    assert "… et 10 autres" in sortie
    with rapport_csv.open(encoding="utf-8-sig", newline="") as f:
        rangs = list(csv.reader(f, delimiter=";"))
    assert rangs[0] == ["fichier", "ligne", "motif"]
    assert len(rangs) == 61
    assert rangs[-1][:2] == ["et.csv", "61"] and "département « 99 » inconnu" in rangs[-1][2]


@pytest.mark.django_db
def test_fichier_absent_ou_illisible(tmp_path):
    sortie, erreur = lancer(tmp_path / "absent.csv")
    assert erreur is not None and str(erreur) == f"Fichier introuvable : « {tmp_path / 'absent.csv'} »."

    _, erreur = lancer(tmp_path)
    assert erreur is not None and "est un répertoire" in str(erreur)

    # A missing EJ file stops everything before the ET file is touched.
    et = ecrire(tmp_path / "et.csv", [ligne_et(finess_pour("33", 401), finess_pour("33", 402))])
    _, erreur = lancer(et, "--ej", tmp_path / "ej_absent.csv")
    assert erreur is not None and "ej_absent.csv" in str(erreur)
    assert EtablissementGeographique.objects.count() == 0


@pytest.mark.django_db
def test_fichiers_inverses_refuses_d_emblee(tmp_path):
    et = ecrire(tmp_path / "et.csv", [ligne_et(finess_pour("33", 501), finess_pour("33", 502))])
    ej = ecrire(tmp_path / "ej.csv", [ligne_ej(finess_pour("33", 502))])

    _, erreur = lancer(ej, "--ej", et)

    assert erreur is not None
    assert str(erreur).startswith(f"« {et} » contient des lignes structureet et non structureej")
    assert EntiteJuridique.objects.count() == 0


def test_fichier_absent_code_de_sortie_sans_trace(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "care_portal.settings.test", "CARE_VAR_DIR": str(tmp_path)}
    resultat = subprocess.run(
        [sys.executable, "manage.py", "import_finess", str(tmp_path / "absent.csv")],
        cwd=RACINE, env=env, capture_output=True, text=True, timeout=120,
    )
    assert resultat.returncode != 0
    assert "Traceback" not in resultat.stderr
    attendu = f"CommandError: Fichier introuvable : « {tmp_path / 'absent.csv'} »."
    assert resultat.stderr.strip().splitlines() == [attendu]


def test_numeros_vus_compact_et_exact():
    vus = NumerosVus()
    numeros = [finess_pour(dep, n) for dep in ("01", "2A", "2B", "33", "971") for n in range(0, 3000, 3)]
    for numero in numeros:
        assert numero not in vus
        vus.ajouter(numero)
    assert all(numero in vus for numero in numeros)
    assert finess_pour("33", 1) not in vus and finess_pour("2A", 4) not in vus
    # Corsican numbers must not collide with their 21/22 look-alikes (same Luhn digits).
    assert finess_pour("21", 0) not in vus and finess_pour("22", 3) not in vus
    assert sum(len(t) for t in vus._tableaux) + len(vus._recents) == len(numeros)
    assert len(vus._recents) < 1000  # compacted into 8-byte arrays as it goes...
    assert len(vus._tableaux) <= 4  # ...merged like a binary counter, not one array per batch


@pytest.mark.parametrize(
    "code,statut",
    [("01", "public"), ("13", "public"), ("39", "public"), ("40", "prive_ebnl"), ("69", "prive_ebnl"),
     ("70", "prive_lucratif"), ("99", "prive_lucratif"), ("", "")],
)
def test_statut_du_code_juridique(code, statut):
    assert imports.statut_du_code(code) == statut


@pytest.mark.parametrize("code", ["00", "100", "7A", "-1"])
def test_statut_du_code_inconnu(code):
    with pytest.raises(imports.LigneRejetee, match="code de statut juridique"):
        imports.statut_du_code(code)
