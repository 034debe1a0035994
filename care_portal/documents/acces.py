"""Who may see and add the documents of an owner: each owning app declares it once.

    # candidatures/apps.py, in ready():
    from care_portal.documents import acces
    acces.enregistrer(Candidature, selectors.candidatures_pour,
                      deposables=selectors.candidatures_modifiables_pour,
                      categories={"rib", "convention_constitutive", "decision_support"})

``visibles(user)`` returns the queryset of owners whose documents ``user`` may download;
``deposables(user)`` (default: ``visibles``) those to which ``user`` may add documents (this is
where an owner says "no new version in this state"). An owner model that is not registered has
no downloadable document: the download view answers 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

FonctionAcces = Callable[[object], QuerySet]


@dataclass(frozen=True)
class Acces:
    modele: type[models.Model]
    visibles: FonctionAcces
    deposables: FonctionAcces | None = None
    categories: frozenset[str] | None = None  # what users may upload; None = any; the portal writes any

    def proprietaires_visibles(self, user) -> QuerySet:
        return self.visibles(user)

    def proprietaires_deposables(self, user) -> QuerySet:
        return (self.deposables or self.visibles)(user)


_registre: dict[str, Acces] = {}


def _cle(modele: type[models.Model]) -> str:
    return modele._meta.label_lower


def enregistrer(
    modele: type[models.Model],
    visibles: FonctionAcces,
    deposables: FonctionAcces | None = None,
    *,
    categories: Iterable[str] | None = None,
) -> None:
    """Declare the owner ``modele``: ``visibles(user)`` / ``deposables(user)`` give owner querysets."""
    _registre[_cle(modele)] = Acces(
        modele=modele, visibles=visibles, deposables=deposables,
        categories=frozenset(categories) if categories is not None else None,
    )


def desenregistrer(modele: type[models.Model]) -> None:
    _registre.pop(_cle(modele), None)


def acces_pour(modele: type[models.Model] | None) -> Acces | None:
    """The declaration for ``modele``, or None when no app declared it."""
    if modele is None:
        return None
    return _registre.get(_cle(modele))
