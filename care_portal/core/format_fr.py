"""French formatting of numbers, amounts, percentages, dates and plurals: the one layer the pages,
messages and documents use (issue 23).

Typography of the Imprimerie nationale, as the DSFR pages show it: a narrow no-break space (U+202F)
groups thousands (« 118 208,74 € »), a no-break space (U+00A0) separates a number from its unit
(« 2,48 % », « 45 secondes »), a comma marks decimals. Values are ``Decimal`` (never floats: money is
exact); ``None`` and empty values give « — ».
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ESPACE_FINE = "\u202f"  # narrow no-break space: thousands separator
ESPACE_INSECABLE = "\u00a0"  # no-break space: before a unit (€, %, jours…)
VIDE = "—"

MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


def _decimal(valeur) -> Decimal | None:
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, float):
        valeur = repr(valeur)
    try:
        return Decimal(valeur)
    except (InvalidOperation, TypeError, ValueError):
        return None


def nombre(valeur, decimales: int | None = None) -> str:
    """1234567 → « 1 234 567 »; 2.5 → « 2,5 »; ``decimales`` rounds half up to that many places."""
    d = _decimal(valeur)
    if d is None:
        return VIDE
    if decimales is not None:
        d = d.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    signe = "-" if d < 0 else ""
    entier, _, fraction = f"{abs(d):f}".partition(".")
    groupes = []
    while len(entier) > 3:
        entier, groupe = entier[:-3], entier[-3:]
        groupes.insert(0, groupe)
    texte = ESPACE_FINE.join([entier, *groupes])
    return f"{signe}{texte},{fraction}" if fraction else f"{signe}{texte}"


def montant(valeur, decimales: int = 2) -> str:
    """Decimal("118208.74") → « 118 208,74 € » (always 2 decimals unless told otherwise)."""
    texte = nombre(valeur, decimales)
    return texte if texte == VIDE else f"{texte}{ESPACE_INSECABLE}€"


def pourcentage(valeur, decimales: int | None = None) -> str:
    """A value already in percent: Decimal("2.48") → « 2,48 % »; ``decimales`` rounds half up."""
    texte = nombre(valeur, decimales)
    return texte if texte == VIDE else f"{texte}{ESPACE_INSECABLE}%"


def pluriel(n: int, singulier: str, pluriel_: str | None = None) -> str:
    """« 1 jour », « 0 jour », « 45 jours » (French: the singular up to 1)."""
    mot = singulier if abs(n) < 2 else (pluriel_ or f"{singulier}s")
    return f"{nombre(n)}{ESPACE_INSECABLE}{mot}"


def date_courte(instant: dt.datetime | None, vide: str = VIDE) -> str:
    """« 06/12/2026 »: the day of ``instant`` on the Paris wall clock (the project's time zone)."""
    from django.utils import timezone

    return timezone.localtime(instant).strftime("%d/%m/%Y") if instant else vide


def date_longue(valeur: dt.date | None) -> str:
    """« 1er mars 2026 », « 14 juillet 2026 »."""
    if valeur is None:
        return VIDE
    jour = "1er" if valeur.day == 1 else str(valeur.day)
    return f"{jour} {MOIS[valeur.month - 1]} {valeur.year}"


def minuscule_initiale(texte: str) -> str:
    """Lower-cases the first letter only, so that acronyms keep their case: « Politique de sécurité des SI
    (PSSI) » → « politique de sécurité des SI (PSSI) »; a text starting with an acronym (« ARS … », « SI »)
    is left alone."""
    texte = str(texte or "")
    if not texte:
        return texte
    premier_mot = texte.split(" ", 1)[0]
    if len(premier_mot) > 1 and premier_mot[1].isupper():
        return texte
    return texte[0].lower() + texte[1:]


# A number, a space, then what it counts or measures; not a conjunction or a preposition (« 2024 et »,
# « 45 à 60 »), after which a line may break.
_NOMBRE_PUIS_MOT = re.compile(
    r"(?<=\d) (?=[%€]|(?!(?:et|ou|à|au|aux|sur|de|du|des|le|la|les|en|par|pour|entre|dans|avec|sans|puis)\b)"
    r"[^\W\d_])")


def typographie(texte: str) -> str:
    """A sentence made elsewhere, set in French typography: a no-break space between a number and what it
    counts or measures (« 45\u00a0jours », « 2\u00a0audits », « 65,9\u00a0% », « 20\u00a0juin »), so that a
    line never breaks between them."""
    return _NOMBRE_PUIS_MOT.sub(ESPACE_INSECABLE, texte)


def s(n: int) -> str:
    """The plural mark of a word agreeing with ``n``: f"{n} ligne{s(n)} rejetée{s(n)}" (French: 0 and 1 are
    singular)."""
    return "s" if abs(n) >= 2 else ""
