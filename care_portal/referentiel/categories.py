"""FINESS establishment categories that matter to the programme.

ESMS (établissements sociaux et médico-sociaux) do not count for Domaine 1 (DESIGN.md §3). In the
FINESS nomenclature the aggregated categories of the social and medico-social sector start with 4
(e.g. 4401 EHPAD); health establishments are 11xx/12xx. When the aggregated category is unknown,
the detailed categories below identify the usual ESMS.
"""

from __future__ import annotations

CATEGORIES_ESMS = {
    "500": "EHPAD",
    "502": "Établissement expérimental pour personnes âgées",
    "202": "Résidence autonomie",
    "207": "Centre de jour pour personnes âgées",
    "183": "Institut médico-éducatif (IME)",
    "255": "Maison d'accueil spécialisée (MAS)",
    "437": "Foyer d'accueil médicalisé (FAM)",
    "246": "Établissement et service d'aide par le travail (ESAT)",
    "354": "Service de soins infirmiers à domicile (SSIAD)",
}


def est_esms(categorie_code: str, categorie_agregee_code: str = "") -> bool:
    if categorie_agregee_code:
        return categorie_agregee_code.startswith("4")
    return categorie_code in CATEGORIES_ESMS
