"""Search of the FINESS referential for the sign-up page: EG and EJ by name, town or FINESS number.

A query that looks like the start of a FINESS number is a prefix search on the (indexed, unique)
``finess`` column; anything else is a case-insensitive search where every word must appear in the
name or the town. At most ``LIMITE`` results, EG and EJ together, with their département.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.db.models import Q

from .models import EntiteJuridique, EtablissementGeographique

LIMITE = 20
LONGUEUR_MIN = 2
MOTS_MAX = 5
# The start of a FINESS number: 2 to 9 characters, département first (2A/2B for Corsica).
_DEBUT_FINESS = re.compile(r"^[0-9][0-9AB][0-9]{0,7}$")

TYPE_EG = "eg"
TYPE_EJ = "ej"


@dataclass(frozen=True)
class ResultatEtablissement:
    type: str  # "eg" or "ej"
    pk: int
    nom: str
    finess: str
    commune: str
    departement: str  # "33 – Gironde"
    entite_juridique: str  # for an EG: its EJ's name; for an EJ: ""

    @property
    def valeur(self) -> str:
        """The value of the radio button / hidden field that designates this establishment."""
        return f"{self.type}:{self.pk}"

    @property
    def type_libelle(self) -> str:
        return "Établissement géographique" if self.type == TYPE_EG else "Entité juridique"

    def en_dict(self) -> dict[str, str]:
        return {
            "valeur": self.valeur, "type": self.type, "type_libelle": self.type_libelle, "nom": self.nom,
            "finess": self.finess, "commune": self.commune, "departement": self.departement,
            "entite_juridique": self.entite_juridique,
        }


def _normaliser(q: str) -> str:
    return " ".join((q or "").split())[:100]


def est_debut_finess(q: str) -> bool:
    return bool(_DEBUT_FINESS.match(q.replace(" ", "").upper()))


def _filtre_texte(mots: list[str], champs_nom: tuple[str, ...]) -> Q:
    par_mot = []
    for mot in mots:
        q = Q(commune__icontains=mot)
        for champ in champs_nom:
            q |= Q(**{f"{champ}__icontains": mot})
        par_mot.append(q)
    return reduce(and_, par_mot)


def rechercher_etablissements(q: str, *, limite: int = LIMITE) -> list[ResultatEtablissement]:
    """EG and EJ matching ``q`` (name, town or FINESS number), at most ``limite``, sorted by name."""
    q = _normaliser(q)
    if len(q) < LONGUEUR_MIN:
        return []
    if est_debut_finess(q):
        prefixe = q.replace(" ", "").upper()
        filtre_eg = filtre_ej = Q(finess__startswith=prefixe)
    else:
        mots = q.split(" ")[:MOTS_MAX]
        filtre_eg = _filtre_texte(mots, ("raison_sociale", "raison_sociale_longue"))
        filtre_ej = _filtre_texte(mots, ("raison_sociale",))
    egs = (
        EtablissementGeographique.objects.filter(filtre_eg)
        .select_related("departement", "entite_juridique")
        .only("finess", "raison_sociale", "commune", "departement__code", "departement__nom",
              "entite_juridique__raison_sociale")
        .order_by("raison_sociale", "finess")[:limite]
    )
    ejs = (
        EntiteJuridique.objects.filter(filtre_ej)
        .select_related("departement")
        .only("finess", "raison_sociale", "commune", "departement__code", "departement__nom")
        .order_by("raison_sociale", "finess")[:limite]
    )
    resultats = [
        ResultatEtablissement(TYPE_EG, eg.pk, eg.raison_sociale, eg.finess, eg.commune, str(eg.departement),
                              eg.entite_juridique.raison_sociale)
        for eg in egs
    ] + [
        ResultatEtablissement(TYPE_EJ, ej.pk, ej.raison_sociale, ej.finess, ej.commune, str(ej.departement), "")
        for ej in ejs
    ]
    # An exact FINESS number first, then by name.
    exact = q.replace(" ", "").upper()
    resultats.sort(key=lambda r: (r.finess != exact, r.nom.casefold(), r.type, r.finess))
    return resultats[:limite]


def etablissement_par_valeur(valeur: str) -> EtablissementGeographique | EntiteJuridique | None:
    """The EG or EJ designated by a ``"eg:<id>"`` / ``"ej:<id>"`` value, or None (unknown, tampered)."""
    type_, _, pk = (valeur or "").partition(":")
    if not pk.isdigit() or len(pk) > 18:
        return None
    if type_ == TYPE_EG:
        return (EtablissementGeographique.objects.select_related("departement", "entite_juridique__departement")
                .filter(pk=int(pk)).first())
    if type_ == TYPE_EJ:
        return EntiteJuridique.objects.select_related("departement").filter(pk=int(pk)).first()
    return None


# --- the search step of the public pages that find a structure (simulator, eligibility checker) --------

MESSAGE_INCONNU = ("La structure demandée n'existe pas dans le référentiel FINESS du portail : recherchez-la à "
                   "nouveau par son nom, sa commune ou son numéro FINESS.")
_RESSEMBLE_A_UN_FINESS = re.compile(r"^[0-9][0-9AB][0-9AB]*$")


def erreur_finess_saisie(q: str) -> str | None:
    """The FINESS validation's message when ``q`` is meant as a complete FINESS number (9 characters or
    more, digits and the Corsican A/B) and is not a valid one."""
    from . import finess

    compact = finess.normaliser(q)
    if len(compact) >= 9 and _RESSEMBLE_A_UN_FINESS.match(compact):
        return finess.erreur_finess(compact)
    return None


def rechercher_pour_une_page(request, q: str):
    """The context of a public page's structure search for ``q``: the FINESS error, or the results (the
    search counts against ``CARE_LIMITES["recherche"]``). Returns the 429 response when the limit is reached."""
    from care_portal.core.limitation import limiter

    from . import finess

    if erreur := erreur_finess_saisie(q):
        return {"erreur_finess": erreur}
    if refus := limiter(request, "recherche"):
        return refus
    resultats = rechercher_etablissements(q)
    return {"trop_court": len(q) < LONGUEUR_MIN, "resultats": resultats, "limite_atteinte": len(resultats) >= LIMITE,
            "finess_complet": len(finess.normaliser(q)) == 9 and finess.est_valide(q)}
