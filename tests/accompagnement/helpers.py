"""Shared set-up of the accompagnement tests: a GHT dossier of Gironde, its référent, the ARS of its region."""

from __future__ import annotations

from decimal import Decimal

from care_portal.comptes.roles import Role
from tests.comptes.helpers import creer_utilisateur_avec_role, region_de_test
from tests.factories import (
    CandidatureFactory,
    EntiteJuridiqueFactory,
    EtablissementGeographiqueFactory,
    GHTFactory,
)


def ght_de_test():
    support = EntiteJuridiqueFactory(raison_sociale="CHU de Libourne", activite_combinee=Decimal("6000"))
    membres = [EntiteJuridiqueFactory(raison_sociale=f"CH membre {i}", activite_combinee=Decimal(a))
               for i, a in enumerate(["3000", "600", "400"])]
    for ej in [support, *membres]:
        EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale=f"Site de {ej.raison_sociale}")
    return GHTFactory(support=support, membres=membres, nom="GHT Gironde Est")


def dossier_et_personnes():
    ght = ght_de_test()
    c = CandidatureFactory(structure=ght)
    es = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ght, email="referente@chu-libourne.fr")
    ars = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33"), email="agent@ars-na.fr")
    return c, es, ars


def pdf(titre: str = "Arrêté") -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<h1>{titre}</h1><p>Programme CaRE — {titre}.</p>").write_pdf()
