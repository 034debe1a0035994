"""FINESS numbers: 9 characters ``[0-9][0-9AB][0-9]{7}``.

The first two (three overseas: 97x, 98x) characters are the département; the last
digit is a Luhn check key computed over the 9 characters, where the Corsican
départements 2A and 2B count as 21 and 22 (checked on the Corsican numbers
2A0000014 and 2B0000020; continental numbers such as 010000024, 010780054,
870000015 and 630780989 check with plain Luhn).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
_CORSE = {"2A": "21", "2B": "22"}


def normaliser(value: str) -> str:
    """Upper-case, strip spaces and dots (users paste « 01 000 002 4 »)."""
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def cle_luhn(body: str) -> str:
    """The check key to append to an 8-character FINESS body (used by the demo generator)."""
    digits = _CORSE.get(body[:2], body[:2]) + body[2:]
    for key in "0123456789":
        if _luhn_ok(digits + key):
            return key
    raise ValueError(body)  # pragma: no cover - Luhn always has a key


def erreur_finess(value: str) -> str | None:
    """Why ``value`` is not a valid FINESS number, in French, or None when it is."""
    v = normaliser(value)
    if not v:
        return "Le numéro FINESS est obligatoire."
    if len(v) != 9:
        return f"Le numéro FINESS « {v} » doit compter 9 caractères (il en a {len(v)})."
    if not FINESS_RE.match(v):
        return f"Le numéro FINESS « {v} » n'a pas le bon format (9 chiffres ; 2A ou 2B en tête pour la Corse)."
    if v[1] in "AB" and v[0] != "2":
        return f"Le numéro FINESS « {v} » n'a pas le bon format (seuls 2A et 2B contiennent une lettre)."
    digits = _CORSE.get(v[:2], v[:2]) + v[2:]
    if not _luhn_ok(digits):
        return f"Le numéro FINESS « {v} » est invalide : sa clé de contrôle ne correspond pas."
    return None


def est_valide(value: str) -> bool:
    return erreur_finess(value) is None


def departement_du_finess(value: str) -> str:
    """Département code carried by a FINESS number: 01…95, 2A/2B, and overseas 97 0 d → 97d
    (CHU de La Réunion 970421038 → 974, CHU de Martinique 970211207 → 972)."""
    v = normaliser(value)
    if v.startswith("97") or v.startswith("98"):
        return v[:2] + v[3]
    return v[:2]


# The FINESS extraction writes overseas départements with letter codes.
DEPARTEMENTS_FINESS_OUTRE_MER = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}


def departement_insee(code: str) -> str:
    """INSEE département code for a code as the FINESS extraction writes it (9A → 971, 1 → 01)."""
    c = (code or "").strip().upper()
    if c in DEPARTEMENTS_FINESS_OUTRE_MER:
        return DEPARTEMENTS_FINESS_OUTRE_MER[c]
    if c.isdigit() and len(c) == 1:
        return "0" + c
    return c


def valider_finess(value: str) -> None:
    """Django validator."""
    err = erreur_finess(value)
    if err:
        raise ValidationError(err, code="finess_invalide")
