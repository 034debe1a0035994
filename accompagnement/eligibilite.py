"""The public eligibility checker (issue 22, point 2): what an establishment can learn before creating an
account, computed on the FINESS referential and nothing stored.

For the structure found (an EG, an EJ, or an EJ member of a GHT): who carries the candidature and its
type (the candidature's own rule, ``candidatures.services.type_de``), the instructing ARS, the perimeter
(ESMS left out), the SUN-ES prerequisites simulated with the 90 % rule on the perimeter's combined
activity (``candidatures.regles.verifier_prerequis``, the rule the candidature applies) — every
structure is assumed to give no proof yet, except those on the published SUN-ES list — and the ceiling
from the public simulator (``paiement.selectors.simuler_plafond``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from candidatures.models import StructureSunes
from candidatures.regles import PREUVES_PREREQUIS, ResultatPrerequis, StructurePrerequis, verifier_prerequis
from candidatures.services import lignes_perimetre, region_instructrice_de, type_de
from care_portal.referentiel.categories import est_esms
from care_portal.referentiel.models import GHT, AppelAFinancement, EntiteJuridique, EtablissementGeographique
from care_portal.workflow.services import WorkflowError
from paiement.regles import libelle_type
from paiement.selectors import Simulation, membres_du_ght, simuler_plafond, structure_porteuse


@dataclass
class Verification:
    etablissement: GHT | EntiteJuridique | EtablissementGeographique
    structure: GHT | EntiteJuridique  # who carries the candidature
    eligible: bool
    raisons: list[str] = field(default_factory=list)  # why not eligible, or what to know
    type_candidature: str = ""
    type_libelle: str = ""
    region_instructrice: object | None = None
    prerequis: ResultatPrerequis | None = None
    preuves: tuple[str, ...] = tuple(PREUVES_PREREQUIS.values())
    simulation: Simulation | None = None
    membres: list = field(default_factory=list)

    @property
    def est_ght(self) -> bool:
        return isinstance(self.structure, GHT)

    @property
    def est_eg(self) -> bool:
        return isinstance(self.etablissement, EtablissementGeographique)

    @property
    def via_ght(self) -> bool:
        return self.est_ght and not isinstance(self.etablissement, GHT)

    @property
    def structures_a_justifier(self) -> list:
        """The structures of the perimeter that must meet the prerequisites and are not on the SUN-ES list."""
        if self.prerequis is None:
            return []
        return [v for v in self.prerequis.requises if not v.structure.sunes_valide]


def verifier(etablissement: GHT | EntiteJuridique | EtablissementGeographique,
             appel: AppelAFinancement | None) -> Verification:
    structure = structure_porteuse(etablissement)
    v = Verification(etablissement=etablissement, structure=structure, eligible=True)
    if isinstance(etablissement, EtablissementGeographique) and est_esms(etablissement.categorie_code,
                                                                        etablissement.categorie_agregee_code):
        v.eligible = False
        v.raisons.append(f"{etablissement.raison_sociale} est un établissement social ou médico-social "
                         f"({etablissement.categorie_libelle or 'catégorie ' + etablissement.categorie_code}) : "
                         "le Domaine 1 ne finance pas les ESMS.")
    v.type_candidature = type_de(structure)
    v.type_libelle = libelle_type(v.type_candidature)
    try:
        v.region_instructrice = region_instructrice_de(structure)
    except WorkflowError as exc:
        v.eligible = False
        v.raisons.append(exc.message)
    lignes = lignes_perimetre(structure)
    if not lignes:
        v.eligible = False
        v.raisons.append("Aucun établissement sanitaire dans le périmètre de cette structure (établissements "
                         "sociaux et médico-sociaux uniquement) : le Domaine 1 ne la finance pas.")
    else:
        sunes = set(StructureSunes.objects.filter(finess__in=[ligne["finess"] for ligne in lignes])
                    .values_list("finess", flat=True))
        v.prerequis = verifier_prerequis(v.type_candidature, [
            StructurePrerequis(cle=ligne["finess"], finess=ligne["finess"], nom=ligne["libelle"],
                               activite=ligne["activite"], support=ligne["est_support"],
                               sunes_valide=ligne["finess"] in sunes)
            for ligne in lignes
        ])
    if v.est_ght:
        v.membres = membres_du_ght(structure)
    if appel is not None:
        v.simulation = simuler_plafond(structure, appel)
    return v
