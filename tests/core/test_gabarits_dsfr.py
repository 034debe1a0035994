"""Template checks the browser would not catch everywhere (issue 23).

In a DSFR button group, an icon button keeps its label only when the group says where icons go
(``fr-btns-group--icon-left``/``--icon-right``): otherwise DSFR shrinks every icon button of the group to a
40 px square and hides its text (seen on « Filtrer » and « Exporter en CSV »)."""

from __future__ import annotations

import re
from pathlib import Path

GABARITS = Path(__file__).resolve().parents[2] / "templates"
GROUPE = re.compile(r'<ul class="(fr-btns-group[^"]*)">(.*?)</ul>', re.S)
BOUTON_ICONE = re.compile(r'class="fr-btn[^"]* fr-icon-')


def test_les_groupes_de_boutons_a_icone_disent_ou_va_l_icone():
    fautifs = []
    for chemin in sorted(GABARITS.rglob("*.html")):
        if chemin.name == "base.html":  # the header's tools: DSFR styles them as header links
            continue
        for m in GROUPE.finditer(chemin.read_text(encoding="utf-8")):
            if "--icon-" not in m.group(1) and BOUTON_ICONE.search(m.group(2)):
                fautifs.append(f"{chemin.relative_to(GABARITS)} : {m.group(1)}")
    assert not fautifs, "Ajoutez fr-btns-group--icon-left au groupe :\n" + "\n".join(fautifs)


def test_aucun_commentaire_de_gabarit_sur_plusieurs_lignes():
    """``{# … #}`` is a one-line comment: spread over lines, Django prints it on the page."""
    fautifs = []
    for chemin in sorted(GABARITS.rglob("*.html")):
        for numero, ligne in enumerate(chemin.read_text(encoding="utf-8").splitlines(), 1):
            if "{#" in ligne and "#}" not in ligne[ligne.index("{#"):]:
                fautifs.append(f"{chemin.relative_to(GABARITS)}:{numero}")
    assert not fautifs, "Commentaires {# #} sur plusieurs lignes (utilisez {% comment %}) :\n" + "\n".join(fautifs)
