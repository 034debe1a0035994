"""The agents' search: one field that finds a dossier by any name or number, accent- and case-insensitive.

Where it looks: the lookups the stages register from their ``etape.py``
(``care_portal.core.etapes.enregistrer_recherche``): the structure's names and FINESS numbers, the
perimeter's establishments, the dossier's people (names, e-mails), the convention's number, the payment's
reference… The core knows none of them.

How it matches: every word of the query must appear (contained, accents and case ignored) in one of
those lookups; a query typed with spaces or dots inside a number (« 33 078 1196 ») also matches that
number written without them. On PostgreSQL, ``unaccent`` on both sides, and a word of 4 letters or more
also matches a close spelling (``pg_trgm`` word similarity, the operator ``%>``, its default threshold
0.6): « Bordaux » finds Bordeaux. On SQLite (the embedded default) the same ``UNACCENT`` is a Python
function registered on each connection; no close spellings there.

The caller passes the queryset of the dossiers the agent may see: the search never widens it. Lookups
through a one-to-many relation (the perimeter lines) are matched in a subquery (``pk IN (…)``), so the
dossier rows are never duplicated and the count stays right.
"""

from __future__ import annotations

import re
import unicodedata
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import CharField, Q, QuerySet, TextField, Transform
from django.db.models.lookups import PostgresOperatorLookup

from care_portal.core import etapes

LONGUEUR_MAX = 100
MOTS_MAX = 6
MOT_PROCHE_MIN = 4  # letters for a close spelling to count (trigrams of shorter words are noise)
_SEPARATEURS_NOMBRE = re.compile(r"[\s.\-/]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


class SansAccent(Transform):
    """``champ__sans_accent__icontains=…``: UNACCENT on both sides (bilateral)."""

    lookup_name = "sans_accent"
    function = "UNACCENT"
    bilateral = True


class MotProche(PostgresOperatorLookup):
    """``champ__sans_accent__mot_proche=mot``: PostgreSQL only (pg_trgm), ``champ %> mot``: the word is
    close to some extent of the field (word_similarity ≥ pg_trgm.word_similarity_threshold)."""

    lookup_name = "mot_proche"
    postgres_operator = "%%>"


def installer() -> None:
    """Register the transform and lookup (AppConfig.ready) and the SQLite function of each connection."""
    from django.db.backends.signals import connection_created

    CharField.register_lookup(SansAccent)
    TextField.register_lookup(SansAccent)
    CharField.register_lookup(MotProche)
    TextField.register_lookup(MotProche)
    connection_created.connect(_fonction_sqlite, dispatch_uid="bureau_unaccent_sqlite")


def sans_accent(texte: str | None) -> str | None:
    """What PostgreSQL's ``unaccent`` does, for SQLite: accents and ligatures off, case kept."""
    if texte is None:
        return None
    decompose = unicodedata.normalize("NFKD", str(texte).translate(_LIGATURES))
    return "".join(c for c in decompose if not unicodedata.combining(c))


def _fonction_sqlite(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("UNACCENT", 1, sans_accent, deterministic=True)


def _assurer_fonction() -> None:
    """A connection opened before the signal was connected (a shell, a test database) gets it too."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        _fonction_sqlite(None, connection)


# --- building the filter -------------------------------------------------------------------------------

def normaliser(texte: str | None) -> str:
    return " ".join((texte or "").split())[:LONGUEUR_MAX]


def _groupes(modele, lookups: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Split the lookups into those that follow single-valued relations (matched on the row) and those
    that cross a one-to-many or many-to-many relation, grouped by the path to that relation."""
    simples: list[str] = []
    multiples: dict[str, list[str]] = {}
    for lookup in lookups:
        m, parties, multiple = modele, lookup.split("__"), None
        for i, partie in enumerate(parties[:-1]):
            champ = m._meta.get_field(partie)
            if champ.one_to_many or champ.many_to_many:
                multiple = multiple or "__".join(parties[: i + 1])
            m = champ.related_model
        if multiple:
            multiples.setdefault(multiple, []).append(lookup)
        else:
            simples.append(lookup)
    return simples, multiples


def _q_mot(modele, simples: list[str], multiples: dict[str, list[str]], mot: str, *, proche: bool,
           suffixe: str = "sans_accent__icontains") -> Q:
    def q_de(lookups: list[str]) -> Q:
        q = reduce(or_, (Q(**{f"{lk}__{suffixe}": mot}) for lk in lookups), Q(pk__in=[]))
        if proche:
            q |= reduce(or_, (Q(**{f"{lk}__sans_accent__mot_proche": mot}) for lk in lookups))
        return q

    q = q_de(simples) if simples else Q(pk__in=[])
    for lookups in multiples.values():
        q |= Q(pk__in=modele.objects.filter(q_de(lookups)).values("pk"))
    return q


def filtre(modele, texte: str) -> Q | None:
    """The Q selecting the dossiers ``texte`` finds (None: nothing to search)."""
    texte = normaliser(texte)
    lookups = etapes.champs_recherche()
    if not texte or not lookups:
        return None
    _assurer_fonction()
    simples, multiples = _groupes(modele, lookups)
    postgres = connection.vendor == "postgresql"
    mots = list(dict.fromkeys(texte.split()))[:MOTS_MAX]
    q = reduce(and_, (
        _q_mot(modele, simples, multiples, mot,
               proche=postgres and sum(c.isalpha() for c in mot) >= MOT_PROCHE_MIN)
        for mot in mots))
    compact = _SEPARATEURS_NOMBRE.sub("", texte)
    if compact != texte and any(c.isdigit() for c in compact):  # « 33 078 1196 », « 2024.CV.12 »
        q |= _q_mot(modele, simples, multiples, compact, proche=False, suffixe="icontains")
    return q


def rechercher(qs: QuerySet, texte: str) -> QuerySet:
    """``qs`` (the dossiers the agent may see) narrowed to those ``texte`` finds."""
    q = filtre(qs.model, texte)
    return qs if q is None else qs.filter(q)
