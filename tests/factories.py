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


# --- candidatures (appended by the Candidature issue) ----------------------------------------------

def _jours(n: int):
    import datetime

    return datetime.timedelta(days=n)


def _aujourd_hui():
    from django.utils import timezone

    return timezone.localdate()


def _type_de(structure) -> str:
    from candidatures.services import type_de

    return type_de(structure)


def _region_instructrice_de(structure):
    from candidatures.services import region_instructrice_de

    return region_instructrice_de(structure)


class AppelFactory(DjangoModelFactory):
    """A funding call whose candidature window contains today (``ouvert_depuis`` days ago →
    ``ferme_dans`` days from now); every later date of the calendar follows the window."""

    class Meta:
        model = "referentiel.AppelAFinancement"
        django_get_or_create = ("code",)

    class Params:
        ouvert_depuis = 10
        ferme_dans = 20

    code = factory.Sequence(lambda n: f"care-d1-test-{n}")
    domaine = "D1"
    nom = factory.Sequence(lambda n: f"CaRE Domaine 1 — appel de test {n}")
    candidature_debut = factory.LazyAttribute(lambda o: _aujourd_hui() - _jours(o.ouvert_depuis))
    candidature_fin = factory.LazyAttribute(lambda o: _aujourd_hui() + _jours(o.ferme_dans))
    instruction_fin = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(30))
    convention_debut = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(30))
    convention_fin = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(40))
    declaration_debut = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(30))
    declaration_fin = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(300))
    controle_fin = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(400))
    paiement_debut = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(50))
    paiement_fin = factory.LazyAttribute(lambda o: o.candidature_fin + _jours(500))
    couts_eligibles_depuis = factory.LazyAttribute(lambda o: o.candidature_debut - _jours(400))


class CandidatureFactory(DjangoModelFactory):
    """A draft for an EJ (default: a new public EJ outside any GHT) with its perimeter computed from
    the referential, as ``services.candidature_creer`` builds it — without the rights check and the
    log. For a GHT pass ``structure=ght``. Service tests open drafts with the service itself."""

    class Meta:
        model = "candidatures.Candidature"
        exclude = ("structure",)
        skip_postgeneration_save = True

    structure = factory.SubFactory(EntiteJuridiqueFactory)
    appel = factory.SubFactory(AppelFactory)
    ght = factory.LazyAttribute(lambda o: o.structure if isinstance(o.structure, GHT) else None)
    entite_juridique = factory.LazyAttribute(
        lambda o: o.structure.support if isinstance(o.structure, GHT) else o.structure)
    type_candidature = factory.LazyAttribute(lambda o: _type_de(o.structure))
    region_instructrice = factory.LazyAttribute(lambda o: _region_instructrice_de(o.structure))

    @factory.post_generation
    def perimetre(self, create, extracted, **kwargs):
        if not create:
            return
        from candidatures.models import PerimetreLigne
        from candidatures.services import lignes_perimetre

        PerimetreLigne.objects.bulk_create([
            PerimetreLigne(candidature=self, entite_juridique=ligne["entite_juridique"],
                           etablissement=ligne["etablissement"], finess=ligne["finess"], libelle=ligne["libelle"],
                           est_support=ligne["est_support"], activite_combinee=ligne["activite"],
                           activite_referentiel=ligne["activite"])
            for ligne in lignes_perimetre(self.ght or self.entite_juridique)
        ])
