"""Factories for every app (STYLE.md: no fixture files for business data)."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from care_portal.referentiel.finess import cle_luhn
from care_portal.referentiel.models import (
    GHT,
    Departement,
    EntiteJuridique,
    EtablissementGeographique,
    StatutJuridique,
)


def finess_pour(departement: str, n: int) -> str:
    """A valid FINESS number in ``departement`` (2-char metropolitan code or 97x) with sequence ``n``."""
    if len(departement) == 3:  # overseas: 97 0 d
        body = f"970{departement[2]}{n:04d}"
    else:
        body = f"{departement}{n:06d}"
    return body + cle_luhn(body)


def departement(code: str = "33") -> Departement:
    return Departement.objects.get(code=code)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = "comptes.User"
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    prenom = "Camille"
    nom = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password("mot-de-passe-de-test-solide")


class EntiteJuridiqueFactory(DjangoModelFactory):
    class Meta:
        model = EntiteJuridique
        django_get_or_create = ("finess",)

    class Params:
        dep = "33"

    finess = factory.LazyAttributeSequence(lambda o, n: finess_pour(o.dep, 500000 + n))
    raison_sociale = factory.Sequence(lambda n: f"Centre hospitalier n°{n}")
    statut = StatutJuridique.PUBLIC
    departement = factory.LazyAttribute(lambda o: departement(o.dep))
    activite_combinee = Decimal("1000.00")


class EtablissementGeographiqueFactory(DjangoModelFactory):
    class Meta:
        model = EtablissementGeographique
        django_get_or_create = ("finess",)

    class Params:
        dep = "33"

    finess = factory.LazyAttributeSequence(lambda o, n: finess_pour(o.dep, 700000 + n))
    entite_juridique = factory.SubFactory(EntiteJuridiqueFactory, dep=factory.SelfAttribute("..dep"))
    raison_sociale = factory.Sequence(lambda n: f"Site hospitalier n°{n}")
    categorie_code = "355"
    categorie_libelle = "Centre Hospitalier (C.H.)"
    departement = factory.LazyAttribute(lambda o: departement(o.dep))
    activite_combinee = Decimal("500.00")


class GHTFactory(DjangoModelFactory):
    class Meta:
        model = GHT
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"NA-{n:02d}")
    nom = factory.Sequence(lambda n: f"GHT de test {n}")
    region = factory.LazyAttribute(lambda o: departement("33").region)
    support = factory.SubFactory(EntiteJuridiqueFactory)

    @factory.post_generation
    def membres(self, create, extracted, **kwargs):
        if not create:
            return
        self.membres.add(self.support)
        for ej in extracted or []:
            self.membres.add(ej)
