"""Demo data of the payment app. Step ``paiements`` (ordre 80, after the controls): see
``creer_paiements_demo``.

Demo ceiling tables (``manage.py seed_demo``, step ``plafonds``, ordre 35: before ``candidatures`` (40),
whose complete candidatures get their convention at once, its amount read from the grid row in force;
the step therefore makes the demo call itself, ``candidatures.demo.appel_demo``, idempotent).

For the demo call ``care-d1-demo`` and the 2024 D1 call ``care-d1-2024``: one version of the table,
**illustrative** (the official amounts of the matrice des montants plafonds are not public), in force
from the call's opening, through ``services.grille_creer`` (logged). Brackets of combined activity in
the units of the referential's ``activite_combinee``; a GHT's ceiling is larger than a public
establishment's, a non-profit private one's larger than a for-profit clinic's.

Idempotent: a call that already has a table is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from candidatures.regles import TypeCandidature

from .regles import LignePlafondData

CODES_APPELS = ("care-d1-demo", "care-d1-2024")
SOURCE = ("Matrice de démonstration eCaRE — montants illustratifs : la matrice officielle des montants "
          "plafonds n'est pas publique")
_SANS_BORNE = None

# (type, activity min (incl.), activity max (excl.) or None, ceiling in euros)
GRILLE_DEMO: list[tuple[str, int, int | None, str]] = [
    (TypeCandidature.GHT, 0, 100_000, "120000.00"),
    (TypeCandidature.GHT, 100_000, 300_000, "200000.00"),
    (TypeCandidature.GHT, 300_000, 1_000_000, "320000.00"),
    (TypeCandidature.GHT, 1_000_000, _SANS_BORNE, "500000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 0, 20_000, "60000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 20_000, 100_000, "100000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 100_000, _SANS_BORNE, "180000.00"),
    (TypeCandidature.PRIVE_EBNL, 0, 10_000, "30000.00"),
    (TypeCandidature.PRIVE_EBNL, 10_000, 50_000, "60000.00"),
    (TypeCandidature.PRIVE_EBNL, 50_000, _SANS_BORNE, "90000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 0, 10_000, "20000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 10_000, 50_000, "40000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 50_000, _SANS_BORNE, "70000.00"),
]


def lignes_demo() -> list[LignePlafondData]:
    return [LignePlafondData(t, Decimal(mini), Decimal(maxi) if maxi is not None else None, Decimal(montant),
                             numero=i)
            for i, (t, mini, maxi, montant) in enumerate(GRILLE_DEMO, start=1)]


def creer_grilles_demo() -> list[str]:
    from django.conf import settings
    from django.utils import timezone

    from candidatures.demo import appel_demo
    from care_portal.referentiel.models import AppelAFinancement

    from . import services
    from .models import GrilleMontantsPlafonds

    lignes = []
    if not getattr(settings, "PRODUCTION", not settings.DEBUG):
        appel_demo(timezone.localdate())  # the conventions of step « candidatures » read this call's grid
    for code in CODES_APPELS:
        appel = AppelAFinancement.objects.filter(code=code).first()
        if appel is None:
            lignes.append(f"Appel « {code} » absent : pas de matrice des plafonds.")
            continue
        if GrilleMontantsPlafonds.objects.filter(appel=appel).exists():
            lignes.append(f"Matrice des plafonds de « {code} » : déjà présente.")
            continue
        grille = services.grille_creer(
            appel=appel, lignes=lignes_demo(), acteur=None, en_vigueur_le=appel.candidature_debut, source=SOURCE,
            commentaire="Créée par manage.py seed_demo.", illustrative=True,
        )
        lignes.append(f"Matrice des plafonds de « {code} » : version {grille.version} créée "
                      f"({len(GRILLE_DEMO)} lignes, montants indicatifs).")
    return lignes


# --- payments (step ``paiements``, ordre 80: after the controls, 70) ------------------------------------

CIBLES_PAIEMENTS = ["paye", "ordonnance", "valide", "rejete", "a_valider"]
MOTIF_REJET = "Bilan financier à justifier : deux factures d'audit portent sur la même prestation."


def creer_paiements_demo(rng) -> list[str]:
    """Payments of the demo call in every state, through the services: the validated controls get their
    payment (``paiements_creer_a_valider``); more controls are brought to « objectifs atteints » when
    needed (control services, via the controls demo); the secretariat (secretariat@) validates, the
    administration (admin@) orders — four-eyes —, a SEPA batch is built and the bank's confirmation
    pays one; one is rejected. Idempotent: a state already present is not made again."""
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import timezone

    from candidatures.demo import DOMAINE
    from care_portal.comptes.models import User
    from care_portal.referentiel.models import AppelAFinancement
    from controle import demo as controle_demo
    from controle import services as controles
    from controle.models import Controle

    from . import services
    from .models import Paiement

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Paiements de démonstration : jamais créés en production (DEBUG=0)."]
    appel = AppelAFinancement.objects.filter(code="care-d1-demo").first()
    comptes = {n: User.objects.filter(email=f"{n}@{DOMAINE}").first() for n in ("secretariat", "admin", "controleur")}
    if appel is None or not all(comptes.values()):
        return ["Paiements de démonstration : appel ou comptes ANS de démonstration absents."]
    secretariat, admin, controleur = comptes["secretariat"], comptes["admin"], comptes["controleur"]
    lignes = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        paiements = Paiement.objects.filter(convention__candidature__appel=appel)
        manquants = [e for e in CIBLES_PAIEMENTS if not paiements.filter(etat=e).exists()]
        sans = Controle.objects.filter(declaration__candidature__appel=appel, etat=Controle.Etat.OBJECTIFS_ATTEINTS,
                                       paiement__isnull=True).count()
        besoin = len(manquants) - sans
        if besoin > 0:
            controle_demo._completer(appel, besoin, rng)
            controles.controles_creer_a_planifier()
            a_planifier = list(Controle.objects.filter(declaration__candidature__appel=appel,
                                                       etat=Controle.Etat.A_PLANIFIER).order_by("pk"))
            for c in a_planifier[:max(len(a_planifier) - 1, 0)][:besoin]:  # one stays « à planifier »
                controle_demo._amener(c, "objectifs_atteints", controleur, rng)
        creation = services.paiements_creer_a_valider()
        lignes.append(f"Paiements créés : {len(creation.crees)}"
                      + (f" ; {len(creation.ignores)} contrôle(s) validé(s) sans paiement possible" if creation.ignores
                         else "") + ".")
        libres = list(paiements.filter(etat=Paiement.Etat.A_VALIDER).order_by("pk"))
        faits = []
        for cible in manquants:
            if cible == "a_valider":
                continue
            if len(libres) <= (1 if "a_valider" in manquants else 0):
                break
            p = libres.pop(0)
            if cible == "rejete":
                services.paiement_rejeter(paiement=p, acteur=secretariat, motif=MOTIF_REJET)
            else:
                services.paiement_valider(paiement=p, acteur=secretariat)
                if cible in ("ordonnance", "paye"):
                    services.paiement_ordonnancer(paiement=p, acteur=admin)
                if cible == "paye":
                    lot = services.lot_creer(acteur=admin, date_execution=timezone.localdate(), paiements=[p])
                    jour = timezone.localdate()
                    ligne = f"{p.reference};{jour.isoformat()};VIR-DEMO-{lot.pk:05d}"
                    services.confirmation_importer(acteur=admin, nom_fichier="confirmation-demo.csv",
                                                   contenu=f"reference;date;reference_bancaire\n{ligne}\n".encode())
            faits.append(cible)
    total = Paiement.objects.filter(convention__candidature__appel=appel).count()
    lignes.append(f"Paiements de démonstration : {len(faits)} amené(s) à un nouvel état"
                  + (f" ({', '.join(e.replace('_', ' ') for e in faits)})" if faits else "") + f", {total} au total.")
    return lignes


#: ``seed_demo --national``: the states of the payments (weights per 760 validated controls).
REPARTITION_NATIONALE = {"paye": 640, "ordonnance": 40, "valide": 30, "rejete": 10, "a_valider": 40}


def creer_paiements_nationaux(rng) -> list[str]:
    """National volume: a payment per validated control (``paiements_creer_a_valider``); those still « à
    valider » brought to the campaign's proportions through the services (four-eyes: the secretariat
    validates, the administration orders); the paid ones in one SEPA batch confirmed by the bank."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from candidatures.demo import DOMAINE
    from care_portal.comptes.models import User
    from care_portal.referentiel.demo import repartition

    from . import services
    from .models import Paiement

    secretariat = User.objects.filter(email=f"secretariat@{DOMAINE}").first()
    admin = User.objects.filter(email=f"admin@{DOMAINE}").first()
    if secretariat is None or admin is None:
        return ["Paiements (volume national) : comptes ANS de démonstration absents."]
    faits: dict[str, int] = {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        services.paiements_creer_a_valider()
        qs = Paiement.objects.filter(convention__candidature__appel__code="care-d1-demo")
        libres = list(qs.filter(etat=Paiement.Etat.A_VALIDER).order_by("pk"))
        if qs.exclude(etat=Paiement.Etat.A_VALIDER).count() > len(REPARTITION_NATIONALE):
            libres = []  # a national run already placed them: idempotent
        a_payer = []
        for p, cible in zip(libres, repartition(len(libres), REPARTITION_NATIONALE, rng), strict=True):
            with transaction.atomic():
                if cible == "rejete":
                    services.paiement_rejeter(paiement=p, acteur=secretariat, motif=MOTIF_REJET)
                elif cible != "a_valider":
                    services.paiement_valider(paiement=p, acteur=secretariat)
                    if cible in ("ordonnance", "paye"):
                        services.paiement_ordonnancer(paiement=p, acteur=admin)
                    if cible == "paye":
                        a_payer.append(p)
            faits[cible] = faits.get(cible, 0) + 1
        if a_payer:
            jour = timezone.localdate()
            lot = services.lot_creer(acteur=admin, date_execution=jour, paiements=a_payer)
            lignes = "".join(f"{p.reference};{jour.isoformat()};VIR-NAT-{lot.pk:05d}-{i:04d}\n"
                             for i, p in enumerate(Paiement.objects.filter(pk__in=[p.pk for p in a_payer])
                                                   .order_by("pk"), start=1))
            services.confirmation_importer(acteur=admin, nom_fichier="confirmation-nationale.csv",
                                           contenu=f"reference;date;reference_bancaire\n{lignes}".encode())
    detail = ", ".join(f"{n} {e.replace('_', ' ')}" for e, n in sorted(faits.items()))
    return [f"Paiements (volume national) : {sum(faits.values())} amené(s) à leur état"
            + (f" ({detail})" if detail else "") + f", {qs.count()} au total."]


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("plafonds", ordre=35)
    def etape_plafonds(contexte: ContexteDemo) -> list[str]:
        """Before the candidatures: the illustrative ceiling tables of the demo call and of the 2024 D1
        call (the conventions take their amount from them when they are created)."""
        return creer_grilles_demo()

    @enregistrer_etape("paiements", ordre=80)
    def etape_paiements(contexte: ContexteDemo) -> list[str]:
        """After the controls: payments in every state, a SEPA batch and its bank confirmation."""
        if contexte.national:
            return [*creer_paiements_demo(contexte.rng("paiements")),
                    *creer_paiements_nationaux(contexte.rng("paiements-national"))]
        return creer_paiements_demo(contexte.rng("paiements"))


_enregistrer_etape_seed_demo()
