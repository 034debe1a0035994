"""How the documents name a signatory, from data (pure functions, no ORM): the civility (« Madame »,
« Monsieur », or none) and the title as it was typed drive the wording, so that every PDF reads right
for a man or a woman: « représentée par son directeur général, Monsieur Paul Martin », « représentée
par sa directrice générale, Madame Anne Dupont ». Without a civility the possessive is left out
(« représentée par Anne Dupont, directrice générale »)."""

from __future__ import annotations

from dataclasses import dataclass

CIVILITES = {"madame": "Madame", "monsieur": "Monsieur"}
VOYELLES = tuple("aeiouyhâàéèêëîïôöûüAEIOUYHÂÀÉÈÊËÎÏÔÖÛÜ")


def _titre_en_phrase(titre: str) -> str:
    """« Directrice générale » → « directrice générale » (an acronym such as « DG » stays as typed)."""
    titre = " ".join((titre or "").split())
    if len(titre) > 1 and titre[0].isupper() and not titre[1].isupper():
        return titre[0].lower() + titre[1:]
    return titre


@dataclass(frozen=True)
class Signataire:
    civilite: str  # "madame", "monsieur" or ""
    nom: str
    titre: str

    @property
    def civilite_libelle(self) -> str:
        return CIVILITES.get((self.civilite or "").lower(), "")

    @property
    def nom_complet(self) -> str:
        """« Madame Anne Dupont », or the name alone."""
        return " ".join(p for p in (self.civilite_libelle, (self.nom or "").strip()) if p)

    @property
    def titre_phrase(self) -> str:
        return _titre_en_phrase(self.titre)

    @property
    def possessif(self) -> str:
        """« son » / « sa » before the title: « sa » for a woman unless the title starts with a vowel
        sound (« son administratrice »); none without a civility."""
        civ = (self.civilite or "").lower()
        if civ not in CIVILITES or not self.titre_phrase:
            return ""
        if civ == "madame" and not self.titre_phrase.startswith(VOYELLES):
            return "sa"
        return "son"

    @property
    def representation(self) -> str:
        """What follows « représentée par »: « son directeur général, Monsieur Paul Martin »."""
        titre, nom = self.titre_phrase, self.nom_complet
        if self.possessif:
            return f"{self.possessif} {titre}, {nom}" if (self.nom or "").strip() else f"{self.possessif} {titre}"
        return ", ".join(p for p in (nom, titre) if p)

    @property
    def titre_et_nom(self) -> str:
        """For a signature box: « Le directeur général, Monsieur Paul Martin » / « La directrice générale »."""
        titre = self.titre_phrase
        civ = (self.civilite or "").lower()
        if titre and civ in CIVILITES:
            article = "L'" if titre.startswith(VOYELLES) else ("La " if civ == "madame" else "Le ")
            titre = article + titre
        elif titre:
            titre = titre[0].upper() + titre[1:]
        nom = self.nom_complet if (self.nom or "").strip() else ""
        return ", ".join(p for p in (titre, nom) if p)


def signataire_ans() -> Signataire:
    """The ANS's signatory, from the settings (CARE_ANS_SIGNATAIRE_*)."""
    from django.conf import settings

    return Signataire(settings.CARE_ANS_SIGNATAIRE_CIVILITE, settings.CARE_ANS_SIGNATAIRE_NOM,
                      settings.CARE_ANS_SIGNATAIRE_TITRE)


def signataire_es(candidature) -> Signataire:
    """The establishment's representative, from the dossier."""
    return Signataire(candidature.signataire_civilite, candidature.signataire_nom, candidature.signataire_fonction)
