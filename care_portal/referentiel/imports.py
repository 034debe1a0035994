"""Imports of the referential: FINESS open-data extraction (EJ and ET files) and DGOS GHT list.

FINESS extraction (data.gouv.fr « FINESS Extraction du Fichier des établissements »)
------------------------------------------------------------------------------------
``;``-separated, no quoting, no header; the first line starts ``finess;etalab;…`` and is
skipped. Older files are Latin-1, newer ones UTF-8: each line is decoded as UTF-8 and, when
that fails, as Latin-1, so a file never has to be read whole to guess its encoding.

*Establishment file* (``structureet`` lines, 32 columns; ``geolocalisation`` lines are
counted and ignored)::

    structureet, nofinesset, nofinessej, rs, rslongue, complrs, compldistrib, numvoie, typvoie,
    voie, compvoie, lieuditbp, commune, departement, libdepartement, ligneacheminement,
    telephone, telecopie, categetab, libcategetab, categagretab, libcategagretab, siret,
    codeape, codemft, libmft, codesph, libsph, dateouv, dateautor, datemaj, numuai

*Legal-entity file* (``structureej`` lines, 22 columns). This follows the etalab
« structureej » layout as we know it; check it against the file's documentation when a new
extraction is published::

    structureej, nofinessej, rs, rslongue, complrs, compldistrib, numvoie, typvoie, voie,
    compvoie, lieuditbp, commune, departement, libdepartement, ligneacheminement, telephone,
    telecopie, statutjur, libstatutjur, siren, datecrea, datemaj

``departement`` is written the FINESS way (``9A`` for Guadeloupe, see
:func:`finess.departement_insee`); ``ligneacheminement`` is ``"33000 BORDEAUX"``; ``datemaj``
is ``AAAA-MM-JJ``. The EJ status comes from the aggregated FINESS legal status ``statutjur``:
01–39 public, 40–69 privé à but non lucratif, 70–99 privé à but lucratif.

The EJ file is imported first. An ET whose EJ is in neither the database nor the EJ file
creates a placeholder EJ (« EJ <numéro> », no status, département read from the EJ number),
completed by a later import of the EJ file. ``activite_combinee`` comes from ATIH, never from
FINESS: it is never written here.

DGOS GHT list (xlsx)
--------------------
One row per member establishment, columns REGION, DENOMINATION GHT, CODE GHT, FINESS,
CATEGORIE, DENOMINATION ETABLISSEMENT, COMMUNE, CODE POSTAL (header row found by name,
ignoring case, accents and spacing; the first five are required). FINESS is the member's EJ
number (an ET number known in the database stands for its EJ); the row whose CATEGORIE
contains « support » gives the établissement support. Members already in the database but
absent from the file are kept: a partial list must not dismantle a GHT.

Guarantees of every import
--------------------------
* streaming: lines are read one at a time and written by batches (``taille_lot``, 1000 by
  default) with one bulk lookup of existing rows per batch, ``bulk_create`` for new rows and one
  ``executemany`` UPDATE for changed ones, each batch in its own ``transaction.atomic``; the only
  structure that grows with the file is the set of numbers already met (to reject duplicates),
  8 bytes per number;
* idempotent: rows are keyed by FINESS number (GHT by code), a re-import updates what changed
  and counts the rest unchanged;
* a bad line is rejected with its line number and a French reason, and the import goes on.
"""

from __future__ import annotations

import csv
import heapq
import re
import unicodedata
import zipfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, connections, models, reset_queries, router, transaction

from care_portal.core import fichiers
from care_portal.core.exports import neutraliser_ligne

from .finess import departement_du_finess, departement_insee, erreur_finess, normaliser
from .models import GHT, Departement, EntiteJuridique, EtablissementGeographique, Region, StatutJuridique

TAILLE_LOT = 1000
#: the DGOS list of GHT: a few thousand rows
LIMITES_XLSX = fichiers.Limites(taille_max=50 * 1024 * 1024, lignes_max=200_000, decompresse_max=200 * 1024 * 1024)
# Rejections kept in memory for the report; all of them still go to the ``sur_rejet`` sink.
REJETS_CONSERVES = 1000

COLONNES_ET = (
    "structureet", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie",
    "typvoie", "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement",
    "ligneacheminement", "telephone", "telecopie", "categetab", "libcategetab", "categagretab",
    "libcategagretab", "siret", "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv",
    "dateautor", "datemaj", "numuai",
)
COLONNES_EJ = (
    "structureej", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "statutjur", "libstatutjur", "siren", "datecrea", "datemaj",
)
_ET = {nom: i for i, nom in enumerate(COLONNES_ET)}
_EJ = {nom: i for i, nom in enumerate(COLONNES_EJ)}

CHAMPS_ET = (
    "entite_juridique_id", "raison_sociale", "raison_sociale_longue", "categorie_code", "categorie_libelle",
    "categorie_agregee_code", "departement_id", "commune", "code_postal", "siret", "date_maj_finess",
)
CHAMPS_EJ = (
    "raison_sociale", "statut", "statut_juridique_code", "departement_id", "commune", "siren",
    "date_maj_finess",
)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# « 33076 BORDEAUX CEDEX 9 »: CEDEX is a mail-routing suffix, not part of the commune's name.
_ACHEMINEMENT_RE = re.compile(r"^(\d{5})\s+(.*?)(?:\s+CEDEX(?:\s+\d+)?)?$", re.IGNORECASE)


class ErreurFichier(Exception):
    """The file cannot be imported at all (missing, unreadable, wrong format); message in French."""


class LigneRejetee(Exception):
    """One line is refused; the message is the French reason shown in the report."""


# --- Report ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rejet:
    fichier: str
    ligne: int
    motif: str


@dataclass
class Rapport:
    """Counts of one import and its rejected lines (the first ``REJETS_CONSERVES`` kept)."""

    fichier: str
    sur_rejet: Callable[[Rejet], None] | None = None
    rejetes: int = 0
    rejets: list[Rejet] = field(default_factory=list)

    def rejeter(self, ligne: int, motif: str) -> None:
        rejet = Rejet(self.fichier, ligne, motif)
        self.rejetes += 1
        if len(self.rejets) < REJETS_CONSERVES:
            self.rejets.append(rejet)
        if self.sur_rejet is not None:
            self.sur_rejet(rejet)


@dataclass
class RapportFiness(Rapport):
    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0
    ignorees: int = 0  # geolocalisation lines
    ej_creees_d_office: int = 0

    def resume(self, quoi: str) -> list[str]:
        lignes = [
            f"{quoi} ({self.fichier}) : {self.crees} créé(e)s, {self.mis_a_jour} mis(es) à jour, "
            f"{self.inchanges} inchangé(e)s, {self.rejetes} ligne(s) rejetée(s)."
        ]
        if self.ignorees:
            lignes.append(f"  {self.ignorees} ligne(s) de géolocalisation ignorée(s).")
        if self.ej_creees_d_office:
            lignes.append(
                f"  {self.ej_creees_d_office} entité(s) juridique(s) absente(s) du référentiel "
                "créée(s) d'office (« EJ <numéro> ») : importez le fichier des EJ (--ej) pour les compléter."
            )
        return lignes


@dataclass
class RapportGHT(Rapport):
    ght_crees: int = 0
    ght_mis_a_jour: int = 0
    ght_inchanges: int = 0
    membres_ajoutes: int = 0
    membres_existants: int = 0

    def resume(self) -> list[str]:
        return [
            f"GHT ({self.fichier}) : {self.ght_crees} créé(s), {self.ght_mis_a_jour} mis à jour, "
            f"{self.ght_inchanges} inchangé(s) ; membres : {self.membres_ajoutes} ajouté(s), "
            f"{self.membres_existants} déjà présent(s) ; {self.rejetes} ligne(s) rejetée(s)."
        ]


# --- Reading -----------------------------------------------------------------------------------


def _illisible(chemin: Path | str, exc: OSError) -> ErreurFichier:
    return ErreurFichier(f"Impossible de lire le fichier « {chemin} » : {exc.strerror or exc}.")


def _ouvrir(chemin: Path | str):
    chemin = Path(chemin)
    try:
        return chemin.open("rb")
    except FileNotFoundError:
        raise ErreurFichier(f"Fichier introuvable : « {chemin} ».") from None
    except IsADirectoryError:
        raise ErreurFichier(f"« {chemin} » est un répertoire, pas un fichier.") from None
    except PermissionError:
        raise ErreurFichier(f"Lecture du fichier « {chemin} » refusée (droits insuffisants).") from None
    except OSError as exc:
        raise _illisible(chemin, exc) from None


def verifier_lisible(chemin: Path | str) -> None:
    """Raise ErreurFichier now rather than after another file was half imported."""
    with _ouvrir(chemin) as f:
        try:
            f.read(1)
        except OSError as exc:
            raise _illisible(chemin, exc) from None


def lire_lignes(chemin: Path | str) -> Iterator[tuple[int, str]]:
    """(line number, decoded text) of each line, one at a time."""
    with _ouvrir(chemin) as f:
        try:
            for numero, brute in enumerate(f, start=1):
                try:
                    texte = brute.decode("utf-8")
                except UnicodeDecodeError:
                    texte = brute.decode("latin-1")
                if numero == 1:
                    texte = texte.lstrip("\ufeff")
                yield numero, texte.rstrip("\r\n")
        except OSError as exc:
            raise _illisible(chemin, exc) from None


def _entier_finess(numero: str) -> int:
    # 2A/2B as 10/11 in base 12 on the second character: every valid number gets a distinct int < 1.2e9.
    second = {"A": 10, "B": 11}.get(numero[1]) or int(numero[1])
    return (int(numero[0]) * 12 + second) * 10_000_000 + int(numero[2:])


class NumerosVus:
    """The FINESS numbers already met in a file, 8 bytes each instead of ~90 for a ``set`` of str.

    Recent numbers sit in a small set; every ``TAILLE_LOT`` they become a sorted array, merged with
    the previous arrays like a binary counter, so there are at most log2(n) arrays to bisect.
    """

    def __init__(self) -> None:
        self._tableaux: list[array] = []
        self._recents: set[int] = set()

    def __contains__(self, numero: str) -> bool:
        n = _entier_finess(numero)
        if n in self._recents:
            return True
        for tableau in self._tableaux:
            i = bisect_left(tableau, n)
            if i < len(tableau) and tableau[i] == n:
                return True
        return False

    def ajouter(self, numero: str) -> None:
        self._recents.add(_entier_finess(numero))
        if len(self._recents) >= TAILLE_LOT:
            tableau = array("L", sorted(self._recents))
            self._recents.clear()
            while self._tableaux and len(self._tableaux[-1]) <= len(tableau):
                tableau = array("L", heapq.merge(self._tableaux.pop(), tableau))
            self._tableaux.append(tableau)


def parametres_stables(numeros: Iterable[str]) -> list[str]:
    """``numeros`` padded to a power of two (at least 64) with values no FINESS number can take.

    SQLite's driver keeps the last 128 compiled statements, and a lookup of 1000 numbers compiles to
    a few hundred KB: with the number of parameters varying from batch to batch, that cache alone
    grew the process by over 10 MB on 50,000 lines. Padded, an import uses a handful of shapes.
    """
    valeurs = list(numeros)
    taille = 64
    while taille < len(valeurs):
        taille *= 2
    valeurs.extend(f"-{i}" for i in range(taille - len(valeurs)))
    return valeurs


# --- Field helpers ---------------------------------------------------------------------------


def _longueurs(modele: type[models.Model]) -> dict[str, int]:
    return {f.attname: f.max_length for f in modele._meta.concrete_fields if getattr(f, "max_length", None)}


_LONGUEURS = {modele: _longueurs(modele) for modele in (EtablissementGeographique, EntiteJuridique)}


def _verifier_longueurs(
    modele: type[models.Model], valeurs: dict[str, Any], colonnes: dict[str, str]
) -> None:
    # SQLite would store an over-long value and PostgreSQL fail the whole batch: refuse the line instead.
    maxima = _LONGUEURS[modele]
    for attname, colonne in colonnes.items():
        valeur = valeurs[attname]
        if isinstance(valeur, str) and len(valeur) > maxima[attname]:
            raise LigneRejetee(f"la colonne {colonne} dépasse {maxima[attname]} caractères ({len(valeur)}).")


def _finess(valeur: str, colonne: str, quoi: str) -> str:
    numero = normaliser(valeur)
    erreur = erreur_finess(numero)
    if erreur:
        raise LigneRejetee(f"{quoi} ({colonne}) : {erreur}")
    return numero


def _date(valeur: str, colonne: str) -> date | None:
    if not valeur:
        return None
    try:
        if not _DATE_RE.match(valeur):
            raise ValueError
        return date.fromisoformat(valeur)
    except ValueError:
        raise LigneRejetee(
            f"date « {valeur} » invalide dans la colonne {colonne} (attendu AAAA-MM-JJ)."
        ) from None


def _departement(valeur: str, departements: dict[str, int]) -> int:
    if not valeur:
        raise LigneRejetee("département absent (colonne departement).")
    code = departement_insee(valeur)
    if code not in departements:
        raise LigneRejetee(f"département « {valeur} » inconnu du référentiel.")
    return departements[code]


def _acheminement(valeur: str) -> tuple[str, str]:
    """(code postal, commune) from « 33000 BORDEAUX »."""
    m = _ACHEMINEMENT_RE.match(valeur)
    if m:
        return m.group(1), m.group(2).strip()
    return "", valeur


def statut_du_code(code: str) -> str:
    """The EJ status from FINESS's aggregated legal status code (01–39 / 40–69 / 70–99)."""
    if not code:
        return ""
    if not code.isdigit() or not 1 <= int(code) <= 99:
        raise LigneRejetee(f"code de statut juridique « {code} » inconnu (attendu 01 à 99).")
    n = int(code)
    if n < 40:
        return StatutJuridique.PUBLIC
    if n < 70:
        return StatutJuridique.PRIVE_EBNL
    return StatutJuridique.PRIVE_LUCRATIF


def _colonnes(texte: str, attendu: str, nombre: int) -> list[str] | None:
    """The stripped values of a line of type ``attendu``; None for lines to ignore."""
    valeurs = texte.split(";")
    type_ligne = valeurs[0].strip().lower()
    if type_ligne == attendu:
        if len(valeurs) != nombre:
            raise LigneRejetee(f"ligne mal formée : {len(valeurs)} colonnes au lieu de {nombre}.")
        return [v.strip() for v in valeurs]
    if type_ligne == "geolocalisation" and attendu == "structureet":
        return None
    if not type_ligne:
        raise LigneRejetee("ligne mal formée : type de ligne absent.")
    raise LigneRejetee(f"ligne mal formée : type « {valeurs[0][:30]} » inattendu (attendu {attendu}).")


# --- FINESS import ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Ligne:
    numero: int  # line number in the file
    finess: str
    valeurs: dict[str, Any]
    finess_ej: str = ""  # ET only
    departement_ej_id: int | None = None  # ET only: for a placeholder EJ


@dataclass
class _Bilan:
    """What a batch did; applied to the report only once its transaction committed."""

    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0
    ej_creees_d_office: int = 0
    rejets: list[tuple[int, str]] = field(default_factory=list)


def _departements() -> dict[str, int]:
    return dict(Departement.objects.values_list("code", "id"))


def _analyser_ej(valeurs: list[str], departements: dict[str, int]) -> _Ligne:
    v = valeurs
    numero = _finess(v[_EJ["nofinessej"]], "nofinessej", "numéro FINESS EJ")
    if not v[_EJ["rs"]]:
        raise LigneRejetee("raison sociale absente (colonne rs).")
    code_statut = v[_EJ["statutjur"]]
    _, commune = _acheminement(v[_EJ["ligneacheminement"]])
    siren = v[_EJ["siren"]]
    if siren and not (siren.isdigit() and len(siren) == 9):
        raise LigneRejetee(f"SIREN « {siren} » invalide (9 chiffres attendus).")
    champs = {
        "raison_sociale": v[_EJ["rs"]],
        "statut": statut_du_code(code_statut),
        "statut_juridique_code": code_statut,
        "departement_id": _departement(v[_EJ["departement"]], departements),
        "commune": commune,
        "siren": siren,
        "date_maj_finess": _date(v[_EJ["datemaj"]], "datemaj"),
    }
    _verifier_longueurs(
        EntiteJuridique, champs,
        {"raison_sociale": "rs", "statut_juridique_code": "statutjur", "commune": "ligneacheminement"},
    )
    return _Ligne(numero=0, finess=numero, valeurs=champs)


def _analyser_et(valeurs: list[str], departements: dict[str, int]) -> _Ligne:
    v = valeurs
    numero = _finess(v[_ET["nofinesset"]], "nofinesset", "numéro FINESS ET")
    numero_ej = _finess(v[_ET["nofinessej"]], "nofinessej", "numéro FINESS de l'EJ de rattachement")
    if not v[_ET["rs"]]:
        raise LigneRejetee("raison sociale absente (colonne rs).")
    code_postal, commune = _acheminement(v[_ET["ligneacheminement"]])
    champs = {
        "raison_sociale": v[_ET["rs"]],
        "raison_sociale_longue": v[_ET["rslongue"]],
        "categorie_code": v[_ET["categetab"]],
        "categorie_libelle": v[_ET["libcategetab"]],
        "categorie_agregee_code": v[_ET["categagretab"]],
        "departement_id": _departement(v[_ET["departement"]], departements),
        "commune": commune,
        "code_postal": code_postal,
        "siret": v[_ET["siret"]],
        "date_maj_finess": _date(v[_ET["datemaj"]], "datemaj"),
    }
    _verifier_longueurs(
        EtablissementGeographique, champs,
        {"raison_sociale": "rs", "raison_sociale_longue": "rslongue", "categorie_code": "categetab",
         "categorie_libelle": "libcategetab", "categorie_agregee_code": "categagretab",
         "commune": "ligneacheminement", "siret": "siret"},
    )
    return _Ligne(
        numero=0, finess=numero, valeurs=champs, finess_ej=numero_ej,
        departement_ej_id=departements.get(departement_du_finess(numero_ej)),
    )


def _upsert(modele: type[models.Model], champs: tuple[str, ...], lot: list[_Ligne], bilan: _Bilan) -> None:
    """Create the new rows, update the changed ones (each line's ``valeurs`` holds all ``champs``)."""
    # Tuples rather than model instances: the comparison needs nothing more and is several times faster.
    existants = {
        finess: (pk, tuple(valeurs))
        for finess, pk, *valeurs in modele.objects.order_by()
        .filter(finess__in=parametres_stables(x.finess for x in lot))
        .values_list("finess", "pk", *champs)
    }
    a_creer: list[models.Model] = []
    a_modifier: list[tuple[tuple, int]] = []
    for ligne in lot:
        nouvelles = tuple(ligne.valeurs[c] for c in champs)
        existant = existants.get(ligne.finess)
        if existant is None:
            a_creer.append(modele(finess=ligne.finess, **ligne.valeurs))
        elif existant[1] != nouvelles:
            a_modifier.append((nouvelles, existant[0]))
        else:
            bilan.inchanges += 1
    modele.objects.bulk_create(a_creer)
    _mettre_a_jour(modele, champs, a_modifier)
    bilan.crees += len(a_creer)
    bilan.mis_a_jour += len(a_modifier)


def _mettre_a_jour(
    modele: type[models.Model], champs: tuple[str, ...], lignes: list[tuple[tuple, int]]
) -> None:
    """One ``UPDATE … WHERE id = %s`` run with executemany over ``(valeurs, pk)`` pairs.

    bulk_update builds one CASE WHEN per row and field: measured at 4.8 s for 1000 rows of 11
    fields on SQLite, against 0.07 s for this statement (bench/README.md).
    """
    if not lignes:
        return
    connexion = connections[router.db_for_write(modele)]
    champs_modele = [modele._meta.get_field(c) for c in champs]
    nom = connexion.ops.quote_name
    sql = (
        f"UPDATE {nom(modele._meta.db_table)} SET "
        + ", ".join(f"{nom(f.column)} = %s" for f in champs_modele)
        + f" WHERE {nom(modele._meta.pk.column)} = %s"
    )
    parametres = [
        [f.get_db_prep_save(v, connexion) for f, v in zip(champs_modele, valeurs, strict=True)] + [pk]
        for valeurs, pk in lignes
    ]
    with connexion.cursor() as curseur:
        curseur.executemany(sql, parametres)


def _ecrire_ej(lot: list[_Ligne]) -> _Bilan:
    bilan = _Bilan()
    with transaction.atomic():
        _upsert(EntiteJuridique, CHAMPS_EJ, lot, bilan)
    return bilan


def _ecrire_et(lot: list[_Ligne]) -> _Bilan:
    bilan = _Bilan()
    with transaction.atomic():
        ids_ej = dict(
            EntiteJuridique.objects.filter(finess__in=parametres_stables({x.finess_ej for x in lot}))
            .values_list("finess", "id")
        )
        provisoires: dict[str, EntiteJuridique] = {}
        retenues = []
        for ligne in lot:
            if ligne.finess_ej not in ids_ej and ligne.finess_ej not in provisoires:
                if ligne.departement_ej_id is None:
                    bilan.rejets.append((
                        ligne.numero,
                        f"entité juridique {ligne.finess_ej} absente du référentiel et de son fichier, "
                        f"et son département « {departement_du_finess(ligne.finess_ej)} » est inconnu : "
                        "impossible de la créer d'office.",
                    ))
                    continue
                provisoires[ligne.finess_ej] = EntiteJuridique(
                    finess=ligne.finess_ej, raison_sociale=f"EJ {ligne.finess_ej}",
                    departement_id=ligne.departement_ej_id,
                )
            retenues.append(ligne)
        if provisoires:
            EntiteJuridique.objects.bulk_create(provisoires.values())
            # Not every backend returns the ids of bulk-created rows: read them back.
            ids_ej.update(
                EntiteJuridique.objects.filter(finess__in=parametres_stables(provisoires))
                .values_list("finess", "id")
            )
            bilan.ej_creees_d_office = len(provisoires)
        for ligne in retenues:
            ligne.valeurs["entite_juridique_id"] = ids_ej[ligne.finess_ej]
        _upsert(EtablissementGeographique, CHAMPS_ET, retenues, bilan)
    return bilan


def _oublier_requetes() -> None:
    # With DEBUG on (the embedded default), Django keeps the SQL of the last 9,000 queries, bulk
    # inserts of 1000 rows included: tens of MB that would grow with the file. Not under DEBUG=0,
    # where tests' query capture must be left alone.
    if settings.DEBUG:
        reset_queries()


def _vider_lot(lot: list[_Ligne], ecrire: Callable[[list[_Ligne]], _Bilan], rapport: RapportFiness) -> None:
    if not lot:
        return
    try:
        bilans = [ecrire(lot)]
    except (DataError, IntegrityError):
        # One line the checks above let through must not sink its 999 neighbours: retry alone to name it.
        # Other database errors (connection lost, locked database) stop the import: see the command.
        bilans = []
        for ligne in lot:
            try:
                bilans.append(ecrire([ligne]))
            except (DataError, IntegrityError) as exc:
                motif = f"refusée par la base de données : {exc}".strip()
                bilans.append(_Bilan(rejets=[(ligne.numero, motif)]))
    for bilan in bilans:
        rapport.crees += bilan.crees
        rapport.mis_a_jour += bilan.mis_a_jour
        rapport.inchanges += bilan.inchanges
        rapport.ej_creees_d_office += bilan.ej_creees_d_office
        for numero, motif in bilan.rejets:
            rapport.rejeter(numero, motif)
    lot.clear()
    _oublier_requetes()


def _verifier_type_de_fichier(texte: str, attendu: str, chemin: Path | str) -> None:
    # Swapped files would otherwise reject every one of their 100,000 lines, one by one.
    type_ligne = texte.split(";", 1)[0].strip().lower()
    autre = {"structureet": "structureej", "structureej": "structureet"}[attendu]
    if type_ligne == autre:
        quoi = {"structureet": "des établissements", "structureej": "des entités juridiques"}
        raise ErreurFichier(
            f"« {chemin} » contient des lignes {autre} et non {attendu} : est-ce le fichier {quoi[autre]} ? "
            "(fichier des établissements en premier argument, entités juridiques avec --ej)."
        )


def _importer(
    chemin: Path | str,
    *,
    type_ligne: str,
    colonnes: tuple[str, ...],
    analyser: Callable[[list[str], dict[str, int]], _Ligne],
    ecrire: Callable[[list[_Ligne]], _Bilan],
    sur_rejet: Callable[[Rejet], None] | None,
    taille_lot: int,
) -> RapportFiness:
    rapport = RapportFiness(fichier=Path(chemin).name, sur_rejet=sur_rejet)
    departements = _departements()
    vus = NumerosVus()
    lot: list[_Ligne] = []
    premiere = True
    for numero, texte in lire_lignes(chemin):
        if numero == 1 and texte.lower().startswith("finess;etalab"):
            continue
        if not texte.strip():
            continue
        if premiere:
            premiere = False
            _verifier_type_de_fichier(texte, type_ligne, chemin)
        try:
            valeurs = _colonnes(texte, type_ligne, len(colonnes))
            if valeurs is None:
                rapport.ignorees += 1
                continue
            ligne = analyser(valeurs, departements)
            if ligne.finess in vus:
                raise LigneRejetee(
                    f"numéro FINESS {ligne.finess} en double dans le fichier (déjà lu plus haut)."
                )
        except LigneRejetee as exc:
            rapport.rejeter(numero, str(exc))
            continue
        vus.ajouter(ligne.finess)
        ligne.numero = numero
        lot.append(ligne)
        if len(lot) >= taille_lot:
            _vider_lot(lot, ecrire, rapport)
    _vider_lot(lot, ecrire, rapport)
    return rapport


def importer_entites_juridiques(
    chemin: Path | str, *, sur_rejet: Callable[[Rejet], None] | None = None, taille_lot: int = TAILLE_LOT
) -> RapportFiness:
    """Create or update the EJ of a FINESS ``structureej`` file, by batches; never activite_combinee."""
    return _importer(
        chemin, type_ligne="structureej", colonnes=COLONNES_EJ, analyser=_analyser_ej, ecrire=_ecrire_ej,
        sur_rejet=sur_rejet, taille_lot=taille_lot,
    )


def importer_etablissements(
    chemin: Path | str, *, sur_rejet: Callable[[Rejet], None] | None = None, taille_lot: int = TAILLE_LOT
) -> RapportFiness:
    """Create or update the ET of a FINESS ``structureet`` file (placeholder EJ for unknown ones)."""
    return _importer(
        chemin, type_ligne="structureet", colonnes=COLONNES_ET, analyser=_analyser_et, ecrire=_ecrire_et,
        sur_rejet=sur_rejet, taille_lot=taille_lot,
    )


# --- GHT import ------------------------------------------------------------------------------


def cle(texte: Any) -> str:
    """Comparison key: no accents, upper case, any run of non-alphanumerics as one space."""
    t = unicodedata.normalize("NFKD", str(texte or "")).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9]+", " ", t.upper()).strip()


COLONNES_GHT = {
    "region": ("REGION",),
    "nom": ("DENOMINATION GHT", "NOM GHT"),
    "code": ("CODE GHT",),
    "finess": ("FINESS", "FINESS EJ", "N FINESS", "NUMERO FINESS"),
    "categorie": ("CATEGORIE",),
    "etablissement": ("DENOMINATION ETABLISSEMENT",),
    "commune": ("COMMUNE",),
    "code_postal": ("CODE POSTAL",),
}
COLONNES_GHT_OBLIGATOIRES = ("region", "nom", "code", "finess", "categorie")
# Names the DGOS lists have used for some regions, besides the official ones.
ALIAS_REGIONS = {"PACA": "93", "REUNION": "04", "CENTRE": "24", "AURA": "84", "BFC": "27"}


def _texte(valeur: Any) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return str(valeur).strip()


def _finess_cellule(valeur: Any) -> str:
    # Excel turns 010000024 typed as a number into 10000024: put the leading zero back.
    if isinstance(valeur, int | float) and not isinstance(valeur, bool):
        return _texte(valeur).zfill(9)
    return normaliser(_texte(valeur))


def _index_regions() -> dict[str, int]:
    index: dict[str, int] = {}
    for region_id, code, nom in Region.objects.values_list("id", "code", "nom"):
        index[cle(nom)] = region_id
        index[code] = region_id
    for alias, code in ALIAS_REGIONS.items():
        if code in index:
            index.setdefault(alias, index[code])
    return index


def _region(valeur: str, regions: dict[str, int]) -> int:
    k = cle(valeur)
    if k.startswith("ARS "):
        k = k[4:]
    if k not in regions:
        raise LigneRejetee(f"région « {valeur} » inconnue.")
    return regions[k]


def _trouver_entete(lignes: Iterator[tuple[int, tuple]]) -> dict[str, int]:
    """Column index of each known column, from the first row that names at least two of them."""
    noms = {cle(n): col for col, variantes in COLONNES_GHT.items() for n in variantes}
    for numero, valeurs in lignes:
        trouvees: dict[str, int] = {}
        for i, v in enumerate(valeurs):
            col = noms.get(cle(v))
            if col and col not in trouvees:
                trouvees[col] = i
        if len(trouvees) >= 2:
            manquantes = [COLONNES_GHT[c][0] for c in COLONNES_GHT_OBLIGATOIRES if c not in trouvees]
            if manquantes:
                raise ErreurFichier(
                    f"Colonne(s) manquante(s) dans l'en-tête (ligne {numero}) : {', '.join(manquantes)}."
                )
            return trouvees
        if numero >= 50:
            break
    raise ErreurFichier(
        "En-tête introuvable : aucune des 50 premières lignes ne nomme les colonnes attendues "
        f"({', '.join(COLONNES_GHT[c][0] for c in COLONNES_GHT_OBLIGATOIRES)})."
    )


@dataclass
class _EtatGHT:
    """A GHT met in the file: what the file says, and what the database held before (None if created)."""

    nom: str
    region_id: int
    ligne: int  # first line naming it, for conflicting rows
    support_id: int | None = None
    ligne_support: int | None = None
    id: int | None = None
    avant: tuple[str, int, int | None] | None = None
    cree: bool = False


@dataclass(slots=True)
class _LigneGHT:
    numero: int
    code: str
    finess: str
    support: bool


def _ouvrir_xlsx(chemin: Path | str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    verifier_lisible(chemin)
    try:
        if Path(chemin).stat().st_size > LIMITES_XLSX.taille_max:
            raise ErreurFichier(f"« {chemin} » dépasse {LIMITES_XLSX.taille_max // (1024 * 1024)} Mo : rien n'a été "
                                "importé.")
        # zip bomb, DTD/entities, absurd cell count: refused before openpyxl parses anything
        fichiers.verifier_xlsx(Path(chemin).read_bytes(), LIMITES_XLSX)
    except fichiers.FichierRefuse as exc:
        if exc.message == fichiers.MESSAGE_PAS_XLSX:
            raise ErreurFichier(f"« {chemin} » n'est pas un classeur Excel (.xlsx) lisible.") from None
        raise ErreurFichier(f"« {chemin} » : {exc.message} Rien n'a été importé.") from None
    except OSError as exc:
        raise _illisible(chemin, exc) from None
    try:
        classeur = openpyxl.load_workbook(chemin, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ErreurFichier(f"« {chemin} » n'est pas un classeur Excel (.xlsx) lisible.") from None
    except Exception:  # noqa: BLE001 — malformed XML (lxml, expat): one French line, never a traceback
        raise ErreurFichier(f"« {chemin} » n'est pas un classeur Excel (.xlsx) lisible.") from None
    try:
        # One pass without writing: a sheet truncated or malformed half-way is refused before the first
        # batch is written (the list of GHT is small: a few thousand rows).
        feuille = classeur.worksheets[0]
        feuille.reset_dimensions()
        for _ in feuille.iter_rows(values_only=True):
            pass
    except Exception:  # noqa: BLE001
        classeur.close()
        raise ErreurFichier(f"« {chemin} » n'est pas un classeur Excel (.xlsx) lisible : sa feuille est "
                            "tronquée ou mal formée. Rien n'a été importé.") from None
    return classeur


def importer_ght(
    chemin: Path | str, *, sur_rejet: Callable[[Rejet], None] | None = None, taille_lot: int = TAILLE_LOT
) -> RapportGHT:
    """Create or update the GHT of a DGOS list and add their members (never removes one)."""
    rapport = RapportGHT(fichier=Path(chemin).name, sur_rejet=sur_rejet)
    classeur = _ouvrir_xlsx(chemin)
    try:
        feuille = classeur.worksheets[0]
        # The dimensions written by some tools are wrong; read_only mode would trust them and cut rows.
        feuille.reset_dimensions()
        lignes = enumerate(feuille.iter_rows(min_row=1, values_only=True), start=1)
        colonnes = _trouver_entete(lignes)
        regions = _index_regions()
        ghts: dict[str, _EtatGHT] = {}  # one entry per GHT (~140 nationally)
        vus: set[tuple[str, str]] = set()
        lot: list[_LigneGHT] = []
        largeur = max(colonnes.values()) + 1
        for numero, valeurs in lignes:
            valeurs = tuple(valeurs) + (None,) * (largeur - len(valeurs))
            if all(_texte(v) == "" for v in valeurs):
                continue
            try:
                ligne = _analyser_ght(numero, valeurs, colonnes, regions, ghts)
                if (ligne.code, ligne.finess) in vus:
                    raise LigneRejetee(f"membre {ligne.finess} en double pour le GHT {ligne.code}.")
            except LigneRejetee as exc:
                rapport.rejeter(numero, str(exc))
                continue
            vus.add((ligne.code, ligne.finess))
            lot.append(ligne)
            if len(lot) >= taille_lot:
                _ecrire_membres(lot, ghts, rapport)
        _ecrire_membres(lot, ghts, rapport)
        _finaliser_ght(ghts, rapport)
    except OSError as exc:
        raise _illisible(chemin, exc) from None
    finally:
        classeur.close()
    return rapport


def _analyser_ght(
    numero: int, valeurs: tuple, colonnes: dict[str, int], regions: dict[str, int], ghts: dict[str, _EtatGHT]
) -> _LigneGHT:
    code = _texte(valeurs[colonnes["code"]]).upper()
    nom = _texte(valeurs[colonnes["nom"]])
    if not code:
        raise LigneRejetee("code GHT absent.")
    if len(code) > GHT._meta.get_field("code").max_length:
        raise LigneRejetee(f"code GHT « {code[:30]} » trop long.")
    if not nom:
        raise LigneRejetee("dénomination du GHT absente.")
    if len(nom) > GHT._meta.get_field("nom").max_length:
        raise LigneRejetee("dénomination du GHT trop longue.")
    region_id = _region(_texte(valeurs[colonnes["region"]]), regions)
    finess = _finess_cellule(valeurs[colonnes["finess"]])
    erreur = erreur_finess(finess)
    if erreur:
        raise LigneRejetee(f"FINESS du membre : {erreur}")
    etat = ghts.get(code)
    if etat is None:
        ghts[code] = _EtatGHT(nom=nom, region_id=region_id, ligne=numero)
    elif etat.region_id != region_id:
        raise LigneRejetee(f"le GHT {code} est rattaché à une autre région à la ligne {etat.ligne}.")
    elif cle(etat.nom) != cle(nom):
        raise LigneRejetee(
            f"le GHT {code} porte une autre dénomination à la ligne {etat.ligne} (« {etat.nom} »)."
        )
    support = "SUPPORT" in cle(valeurs[colonnes["categorie"]])
    return _LigneGHT(numero=numero, code=code, finess=finess, support=support)


def _ecrire_membres(lot: list[_LigneGHT], ghts: dict[str, _EtatGHT], rapport: RapportGHT) -> None:
    if not lot:
        return
    numeros = {x.finess for x in lot}
    with transaction.atomic():
        ej_ids = dict(
            EntiteJuridique.objects.filter(finess__in=parametres_stables(numeros)).values_list("finess", "id")
        )
        # A GHT list sometimes gives the ET number of a member: it stands for its EJ.
        ej_ids.update(
            (f, ej) for f, ej in EtablissementGeographique.objects
            .filter(finess__in=parametres_stables(numeros - ej_ids.keys()))
            .values_list("finess", "entite_juridique_id")
        )
        connues = []
        for ligne in lot:
            if ligne.finess in ej_ids:
                connues.append(ligne)
            else:
                rapport.rejeter(
                    ligne.numero,
                    f"FINESS {ligne.finess} inconnu du référentiel : importez d'abord le fichier FINESS "
                    "(import_finess) puis relancez l'import des GHT.",
                )
        # Only now: a GHT none of whose members is known is not created.
        _creer_ght(connues, ghts)
        Membre = GHT.membres.through
        paires = set(
            Membre.objects.filter(ght_id__in={ghts[x.code].id for x in connues}).values_list(
                "ght_id", "entitejuridique_id"
            )
        )
        nouvelles: list = []
        for ligne in connues:
            etat = ghts[ligne.code]
            ej_id = ej_ids[ligne.finess]
            if ligne.support:
                if etat.support_id is not None and etat.support_id != ej_id:
                    rapport.rejeter(
                        ligne.numero,
                        f"deuxième établissement support pour le GHT {ligne.code} "
                        f"(le premier est à la ligne {etat.ligne_support}).",
                    )
                    continue
                etat.support_id, etat.ligne_support = ej_id, ligne.numero
            if (etat.id, ej_id) in paires:
                rapport.membres_existants += 1
            else:
                paires.add((etat.id, ej_id))
                nouvelles.append(Membre(ght_id=etat.id, entitejuridique_id=ej_id))
        Membre.objects.bulk_create(nouvelles)
        rapport.membres_ajoutes += len(nouvelles)
    lot.clear()
    _oublier_requetes()


def _creer_ght(lot: list[_LigneGHT], ghts: dict[str, _EtatGHT]) -> None:
    """Give every GHT of the batch an id, creating the new ones; remember the others' prior state."""
    codes = {x.code for x in lot if ghts[x.code].id is None}
    if not codes:
        return
    for ght in GHT.objects.filter(code__in=codes):
        etat = ghts[ght.code]
        etat.id, etat.avant = ght.id, (ght.nom, ght.region_id, ght.support_id)
    nouveaux = [
        GHT(code=c, nom=ghts[c].nom, region_id=ghts[c].region_id) for c in codes if ghts[c].id is None
    ]
    GHT.objects.bulk_create(nouveaux)
    for ght in GHT.objects.filter(code__in=[g.code for g in nouveaux]).only("id", "code"):
        ghts[ght.code].id, ghts[ght.code].cree = ght.id, True


def _finaliser_ght(ghts: dict[str, _EtatGHT], rapport: RapportGHT) -> None:
    """Write name, region and support once the whole file is read (the support row may come last)."""
    a_modifier = []
    for code, etat in ghts.items():
        if etat.id is None:  # every row of this GHT was rejected
            continue
        avant = etat.avant or (etat.nom, etat.region_id, None)
        # A file without a support row keeps the support already known.
        support_id = etat.support_id if etat.support_id is not None else avant[2]
        apres = (etat.nom, etat.region_id, support_id)
        if apres != avant:
            a_modifier.append(
                GHT(id=etat.id, code=code, nom=etat.nom, region_id=etat.region_id, support_id=support_id)
            )
        if etat.cree:
            rapport.ght_crees += 1
        elif apres != avant:
            rapport.ght_mis_a_jour += 1
        else:
            rapport.ght_inchanges += 1
    with transaction.atomic():
        GHT.objects.bulk_update(a_modifier, ["nom", "region", "support"])


# --- Command helpers -------------------------------------------------------------------------


class RapportCSV:
    """Every rejected line to a ``;``-separated CSV, written as it comes (``sur_rejet`` sink).

    UTF-8 with a BOM and ``;`` so that a French Excel opens it with its accents right.
    """

    def __init__(self, chemin: Path | str) -> None:
        self.chemin = Path(chemin)
        try:
            self._fichier = self.chemin.open("w", newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise ErreurFichier(
                f"Impossible d'écrire le rapport « {chemin} » : {exc.strerror or exc}."
            ) from None
        self._csv = csv.writer(self._fichier, delimiter=";")
        self._csv.writerow(["fichier", "ligne", "motif"])

    def __call__(self, rejet: Rejet) -> None:
        self._csv.writerow(neutraliser_ligne([rejet.fichier, rejet.ligne, rejet.motif]))  # motifs quote the file

    def __enter__(self) -> RapportCSV:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._fichier.close()


def lignes_rejets(rapports: list[Rapport], limite: int) -> list[str]:
    """The first ``limite`` rejected lines, one per line of text, then « … et N autres »."""
    total = sum(r.rejetes for r in rapports)
    if not total:
        return []
    lignes = [f"Lignes rejetées ({total}) :"]
    montrees = 0
    for rapport in rapports:
        for rejet in rapport.rejets[: limite - montrees]:
            lignes.append(f"  {rejet.fichier}, ligne {rejet.ligne} : {rejet.motif}")
            montrees += 1
    if total > montrees:
        lignes.append(f"  … et {total - montrees} autres (toutes avec --rapport FICHIER.csv).")
    return lignes
