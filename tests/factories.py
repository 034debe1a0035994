"""Factories for every app (STYLE.md: no fixture files for business data)."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from care_portal.comptes.roles import Role
from care_portal.referentiel.finess import cle_luhn
from care_portal.referentiel.models import (
    GHT,
    Departement,
    EntiteJuridique,
    EtablissementGeographique,
    StatutJuridique,
)
from controle.models import Controle
from conventions.models import Convention
from declarations.models import Declaration
from paiement.models import Paiement


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


# --- later stages: states built without WeasyPrint or PAdES ----------------------------------------
#
# A test of a later stage (declaration, control, payment, reminders…) needs a convention « signée »,
# not the making of it. ``convention_signee`` brings a convention there through its own FSM
# transitions and the workflow's ``run_transition`` (same fields, timestamps and log rows as the
# services), stores each version as a small real PDF through the documents service (no rendering,
# no seal), and hands off to the next stage as the countersigning does (the declaration « brouillon »
# opens). The tests of the convention PDF and of the seals keep the real path
# (tests/conventions/conventions.py).

def _deposer_version_pdf(cv, categorie: str, suffixe: str = ""):
    from django.core.files.base import ContentFile

    from care_portal.documents.services import document_deposer
    from conventions.pdf import nom_du_fichier
    from tests.documents import contenus

    return document_deposer(fichier=ContentFile(contenus.pdf(), name=nom_du_fichier(cv, suffixe)), acteur=None,
                            proprietaire=cv, categorie=categorie, verrouille=True)


def convention_signee(candidature, *, dg=None, ip: str = "203.0.113.7", jusqua: str = "signee"):
    """The convention of a complete candidature brought from « à générer » to ``jusqua``
    (``"envoyee"``, ``"signee_es"`` or ``"signee"``), as the native signature would leave it, without
    rendering nor sealing; ``dg``: the countersigning DG ANS (default: a new one). No e-mail is sent.
    Returns the convention, fresh from the database."""
    from django.db import transaction
    from django.utils import timezone

    from care_portal.core import etapes
    from care_portal.workflow.services import journaliser, run_transition
    from conventions import services as sc
    from conventions.models import Convention
    from tests.comptes.helpers import creer_utilisateur_avec_role

    etapes_visees = ("envoyee", "signee_es", "signee")
    if jusqua not in etapes_visees:
        raise ValueError(f"jusqua doit être l'un de {etapes_visees}")
    if jusqua == "signee" and dg is None:
        dg = creer_utilisateur_avec_role(Role.DG_ANS, prenom="Hela", nom="Ghariani")
    with transaction.atomic():
        cv = Convention.objects.select_for_update().select_related("candidature__appel").get(candidature=candidature)
        if cv.etat != Convention.Etat.A_GENERER or cv.montant is None:
            raise ValueError(f"convention_signee part d'une convention « à générer » dont le montant est connu "
                             f"(ici : {cv.etat}, montant {cv.montant}).")
        c = cv.candidature
        document = _deposer_version_pdf(cv, sc.CATEGORIE_CONVENTION)
        journaliser(cv, "conventions.convention.generee", acteur=None,
                    donnees={"document": str(document.pk), "sha256": document.sha256, "taille": document.taille})
        maintenant = timezone.now()
        echeance = sc.echeance_de(maintenant, c.appel.delai_signature_jours)
        run_transition(cv, "envoyer", acteur=None, le=maintenant, echeance=echeance, fournisseur="native",
                       reference=f"native-{cv.pk}-{cv.envoi + 1}", signataires={},
                       donnees={"echeance": echeance.isoformat(), "fournisseur": "native"},
                       update_fields=["envoi", "envoyee_le", "echeance", "fournisseur", "reference_fournisseur",
                                      "signataires_fournisseur", "signature_bloquee_le", "envoi_demande_le",
                                      "erreur_envoi", "erreur_envoi_le"])
        if jusqua in ("signee_es", "signee"):
            document = _deposer_version_pdf(cv, sc.CATEGORIE_SIGNEE_ES, "-signee-etablissement")
            run_transition(cv, "signer_es", acteur=None, le=timezone.now(),
                           signataire=f"{c.signataire_nom}, {c.signataire_fonction}".strip(", "),
                           donnees={"document": str(document.pk), "sha256": document.sha256, "ip": ip},
                           update_fields=["signee_es_le", "signataire_es"])
        if jusqua == "signee":
            document = _deposer_version_pdf(cv, sc.CATEGORIE_SIGNEE, "-signee")
            run_transition(cv, "contresigner", acteur=dg, verifier_droit=False, le=timezone.now(),
                           contresignataire=dg, donnees={"document": str(document.pk), "sha256": document.sha256,
                                                         "ip": ip},
                           update_fields=["signee_le", "contresignataire"])
            etapes.passer_a_la_suite(depuis="convention", objet=cv, acteur=dg)  # its declaration « brouillon »
    return Convention.objects.get(pk=cv.pk)


# --- later stages: rows in a given state, for list and query-count tests --------------------------
#
# The state and its timestamps set at creation, no service runs and nothing is logged nor stored: for
# the tests that need many records of every state (pages, counts, query counts), not for a flow.
# ``ConventionFactory(signee=True)``, ``DeclarationFactory(complete=True)``, ``ControleFactory(valide=True)``,
# ``PaiementFactory(paye=True)``…; each builds the earlier stages it hangs on (a convention « signée »
# under a declaration, a declaration « complète » under a control, a control « objectifs atteints » under a
# payment) unless given.

def _maintenant():
    from django.utils import timezone

    return timezone.now()


class ConventionFactory(DjangoModelFactory):
    class Meta:
        model = Convention

    class Params:
        envoyee = factory.Trait(
            etat=Convention.Etat.ENVOYEE, envoi=1, fournisseur="native",
            envoyee_le=factory.LazyFunction(_maintenant),
            echeance=factory.LazyAttribute(lambda o: o.envoyee_le + _jours(5)),
            reference_fournisseur=factory.Sequence(lambda n: f"native-test-{n}"))
        signee_es = factory.Trait(
            envoyee=True, etat=Convention.Etat.SIGNEE_ES, signee_es_le=factory.LazyFunction(_maintenant),
            signataire_es="Sylvie Directrice, Directrice générale")
        signee = factory.Trait(
            signee_es=True, etat=Convention.Etat.SIGNEE, signee_le=factory.LazyFunction(_maintenant),
            contresignataire=factory.LazyFunction(lambda: _utilisateur(Role.DG_ANS)))
        expiree = factory.Trait(envoyee=True, etat=Convention.Etat.EXPIREE, expiree_le=factory.LazyFunction(_maintenant))

    candidature = factory.SubFactory(CandidatureFactory)
    numero = factory.Sequence(lambda n: f"CV-TEST-{n:06d}")
    plafond = Decimal("100000.00")
    montant = factory.SelfAttribute("plafond")


def _utilisateur(role: str):
    from tests.comptes.helpers import creer_utilisateur_avec_role

    return creer_utilisateur_avec_role(role)


def _candidature_signee():
    return ConventionFactory(signee=True).candidature


class DeclarationFactory(DjangoModelFactory):
    class Meta:
        model = Declaration

    class Params:
        deposee = factory.Trait(
            etat=Declaration.Etat.DEPOSEE, deposee_le=factory.LazyFunction(_maintenant),
            premiere_depose_le=factory.SelfAttribute("deposee_le"))
        complete = factory.Trait(deposee=True, etat=Declaration.Etat.COMPLETE, decidee_le=factory.LazyFunction(_maintenant))

    candidature = factory.LazyFunction(_candidature_signee)


def _declaration_complete():
    return DeclarationFactory(complete=True)


class ControleFactory(DjangoModelFactory):
    class Meta:
        model = Controle
        skip_postgeneration_save = True

    class Params:
        planifie = factory.Trait(
            etat=Controle.Etat.PLANIFIE, modalite="visio", lieu="https://webconf.numerique.gouv.fr/controle-care",
            planifie_le=factory.LazyFunction(_maintenant),
            date_prevue=factory.LazyAttribute(lambda o: o.planifie_le + _jours(7)))
        en_cours = factory.Trait(
            planifie=True, etat=Controle.Etat.EN_COURS, date_prevue=factory.LazyFunction(_maintenant),
            commence_le=factory.SelfAttribute("date_prevue"))
        valide = factory.Trait(
            en_cours=True, etat=Controle.Etat.OBJECTIFS_ATTEINTS, decide_le=factory.LazyFunction(_maintenant),
            decide_par=factory.LazyFunction(lambda: _utilisateur(Role.CONTROLEUR_ANS)))

    declaration = factory.LazyFunction(_declaration_complete)

    @factory.post_generation
    def controleurs(self, create, extracted, **kwargs):
        if create and extracted:
            self.controleurs.set(extracted)


def _controle_valide():
    return ControleFactory(valide=True)


def _montant_paiement(o):
    from paiement.regles import montant_paiement

    return montant_paiement(o.couts_eligibles, o.plafond)


class PaiementFactory(DjangoModelFactory):
    """A payment of a validated control (``convention`` is its candidature's)."""

    class Meta:
        model = Paiement

    class Params:
        valide = factory.Trait(etat=Paiement.Etat.VALIDE, valide_le=factory.LazyFunction(_maintenant),
                               valide_par=factory.LazyFunction(lambda: _utilisateur(Role.SECRETARIAT_ANS)))
        ordonnance = factory.Trait(valide=True, etat=Paiement.Etat.ORDONNANCE, ordonnance_le=factory.LazyFunction(_maintenant),
                                   ordonnance_par=factory.LazyFunction(lambda: _utilisateur(Role.ADMIN_ANS)))
        paye = factory.Trait(ordonnance=True, etat=Paiement.Etat.PAYE, paye_le=factory.LazyFunction(_aujourd_hui),
                             reference_bancaire=factory.Sequence(lambda n: f"BANQUE-{n:08d}"))
        rejete = factory.Trait(etat=Paiement.Etat.REJETE, rejete_le=factory.LazyFunction(_maintenant),
                               motif="Doublon de la convention.")

    controle = factory.LazyFunction(_controle_valide)
    convention = factory.LazyAttribute(lambda o: o.controle.declaration.candidature.convention)
    reference = factory.Sequence(lambda n: f"ECARE-T{n:09d}")
    couts_eligibles = Decimal("1000.00")
    plafond = factory.LazyAttribute(lambda o: o.convention.montant)
    montant = factory.LazyAttribute(lambda o: _montant_paiement(o).montant)
    plafonne = factory.LazyAttribute(lambda o: _montant_paiement(o).plafonne)
    calcul = factory.LazyAttribute(lambda o: {"couts_eligibles": str(o.couts_eligibles), "plafond": str(o.plafond),
                                              "explication": _montant_paiement(o).explication})
    iban = "FR7630006000011234567890189"
