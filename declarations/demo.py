"""Demo declarations (``manage.py seed_demo``, step ``declarations``, ordre 60: after ``conventions``
(45) and ``objectifs`` (50)).

On the demo call's candidatures whose convention is signed and countersigned (at least
``MINIMUM`` of them: when the conventions step left fewer, conventions sent or signed by the ES are
brought to « signée » through the convention services, as the demo DG), one declaration each, in
rotating states — brouillon, déposée, complément demandé, complète, non recevable, déposée again after
a complement — every one with a bilan of 3 to 7 lines drawn from ``contexte.rng("declarations")``
(objectives that apply to the structure, the three categories, dates from the call's
``couts_eligibles_depuis`` to today, amounts in euros and cents). Every step goes through the
services, by the structure's référent and its region's ARS (candidatures/demo.py makes or finds
them): each declaration has its timeline, its snapshot and its receipts.

The demo call's eligible basis is set to HT (``ParametresAppel``) when it has none.

Idempotent: a candidature that already has a declaration is left alone.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

CODE_APPEL = "care-d1-demo"
MINIMUM = 6
# "redeposee" (submitted again after a complement, so a second snapshot) first: present even when fewer
# conventions than MINIMUM could be signed.
CIBLES = ["redeposee", "brouillon", "complement_demande", "complete", "non_recevable", "deposee"]
LIBELLES = {
    "interne_rh": [("Temps RSSI consacré aux audits AD", "Équipe sécurité"),
                   ("Préparation de l'exercice de crise", "Direction des systèmes d'information"),
                   ("Saisie oSIS et calcul du budget numérique", "Contrôle de gestion")],
    "externe_prestations": [("Audit ORADAD / ADS par un prestataire", "Cyber Conseil SAS"),
                            ("Audit d'exposition sur internet", "Surface Watch SARL"),
                            ("Animation de l'exercice de crise", "Crise & Résilience")],
    "indirect": [("Licence de l'outil de cartographie AD", "Éditeur Annuaire SA"),
                 ("Mise à niveau des contrôleurs de domaine", "Intégrateur Infra SAS")],
}
MOTIFS_COMPLEMENT = ["Joignez la facture de l'audit d'exposition déclaré en prestation externe.",
                     "Le temps RSSI déclaré n'est pas détaillé : précisez la période et le nombre de jours."]
MOTIF_NON_RECEVABLE = "Les dépenses déclarées sont antérieures à la période des coûts éligibles."


def _signer_davantage(appel, manquantes: int) -> int:
    """Bring up to ``manquantes`` conventions of the demo call to « signée » (the demo DG countersigns):
    those signed by the ES first, then those sent, then those still to send (sent by the demo admin);
    one convention of each of those states is always left as it is, so that the demo keeps them all."""
    from candidatures.demo import DOMAINE
    from care_portal.comptes.models import User
    from conventions.demo import _signer_demo, contresigner_demo, envoyer_demo
    from conventions.models import Convention

    dg = User.objects.filter(email=f"dg@{DOMAINE}").first()
    admin = User.objects.filter(email=f"admin@{DOMAINE}").first()
    if dg is None or manquantes <= 0:
        return 0
    E = Convention.Etat
    faites = 0
    for etat in (E.SIGNEE_ES, E.ENVOYEE, E.A_GENERER):
        candidates = list(Convention.objects.filter(candidature__appel=appel, etat=etat).order_by("pk"))
        candidates = candidates[1:]  # one is left in this state (for the demo ANS admin to send, the DG…)
        for cv in candidates:
            if faites >= manquantes:
                return faites
            if etat == E.SIGNEE_ES:
                contresigner_demo(dg, [cv])
            else:
                if etat == E.A_GENERER:
                    if admin is None or cv.envoi_demande_le is not None:
                        continue
                    envoyer_demo(cv, admin)
                if cv.signature_bloquee:
                    continue
                _signer_demo(cv, dg, contresigner=True)
            faites += 1
    return faites


#: ``seed_demo --national``: the states of the declarations (weights per 1,030 signed conventions; « vide »:
#: the empty draft the countersigning opened is left as it is), about 10 cost lines each.
REPARTITION_NATIONALE = {"complete": 840, "deposee": 50, "complement_demande": 30, "redeposee": 10,
                         "non_recevable": 20, "brouillon": 50, "vide": 30}
LIGNES_NATIONALES = (7, 13)


def _lignes(c, rng: random.Random, appel, nombre: tuple[int, int] = (3, 7)) -> list[dict]:
    from .selectors import objectifs_applicables

    codes = list(objectifs_applicables(c))
    aujourd_hui = timezone.localdate()
    etendue = max((aujourd_hui - appel.couts_eligibles_depuis).days, 0)
    lignes = []
    for _ in range(rng.randint(*nombre)):
        categorie = rng.choice(list(LIBELLES))
        libelle, fournisseur = rng.choice(LIBELLES[categorie])
        ht = (Decimal(rng.randint(20_000, 4_500_000)) / 100).quantize(Decimal("0.01"))
        ttc = ht if categorie == "interne_rh" else (ht * Decimal("1.2")).quantize(Decimal("0.01"))
        lignes.append({"objectif": rng.choice(codes), "categorie": categorie, "libelle": libelle,
                       "fournisseur": fournisseur,
                       "date": appel.couts_eligibles_depuis + datetime.timedelta(days=rng.randint(0, etendue)),
                       "montant_ht": ht, "montant_ttc": ttc})
    return lignes


def _declaration(cv, cible: str, rng: random.Random, nombre: tuple[int, int] = (3, 7)) -> None:
    from candidatures.demo import ars_de, referent_de

    from . import services

    c = cv.candidature
    referent = referent_de(c.structure, rng)
    ars = ars_de(c.region_instructrice, rng)
    d = services.declaration_creer(candidature=c, acteur=referent)
    for donnees in _lignes(c, rng, c.appel, nombre):
        services.ligne_ajouter(declaration=d, acteur=referent, donnees=donnees)
    if cible == "brouillon":
        return
    services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    if cible in ("complement_demande", "redeposee"):
        services.declaration_demander_complement(declaration=d, acteur=ars, message=rng.choice(MOTIFS_COMPLEMENT))
        if cible == "redeposee":
            services.ligne_ajouter(declaration=d, acteur=referent, donnees=_lignes(c, rng, c.appel)[0])
            services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    elif cible == "complete":
        services.declaration_declarer_complete(declaration=d, acteur=ars)
    elif cible == "non_recevable":
        services.declaration_declarer_non_recevable(declaration=d, acteur=ars, motif=MOTIF_NON_RECEVABLE)


def a_remplir(conventions):
    """The signed conventions whose declaration the demo may still fill in: none yet, or the empty
    draft that the countersigning opened (the stage hand-off)."""
    from django.db.models import Exists, OuterRef

    from .models import Declaration

    remplies = Declaration.objects.filter(candidature=OuterRef("candidature")).exclude(
        etat=Declaration.Etat.BROUILLON, lignes__isnull=True)
    return conventions.exclude(Exists(remplies))


def creer_declarations_demo(rng: random.Random, *, national: bool = False) -> list[str]:
    from care_portal.referentiel.models import AppelAFinancement
    from conventions.models import Convention

    from .models import ParametresAppel

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Déclarations de démonstration : jamais créées en production (DEBUG=0)."]
    appel = AppelAFinancement.objects.filter(code=CODE_APPEL).first()
    if appel is None:
        return ["Déclarations de démonstration : appel de démonstration absent (étape « candidatures »)."]
    ParametresAppel.objects.get_or_create(appel=appel)
    lignes = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        signees = Convention.objects.filter(candidature__appel=appel, etat=Convention.Etat.SIGNEE)
        if signees.count() < MINIMUM:
            n = _signer_davantage(appel, MINIMUM - signees.count())
            if n:
                lignes.append(f"Conventions signées pour les déclarations de démonstration : {n}.")
        faites: Counter[str] = Counter()
        deja = 0
        liste = list(signees.select_related("candidature__appel").order_by("candidature_id"))
        if national:
            from care_portal.referentiel.demo import repartition

            cibles = repartition(len(liste), REPARTITION_NATIONALE, rng)
        else:
            cibles = [CIBLES[i % len(CIBLES)] for i in range(len(liste))]
        remplissables = set(a_remplir(signees).values_list("pk", flat=True))
        for cv, cible in zip(liste, cibles, strict=True):
            if cv.pk not in remplissables:
                deja += 1
                continue
            if cible == "vide":
                continue
            with transaction.atomic():
                _declaration(cv, cible, rng, LIGNES_NATIONALES if national else (3, 7))
            faites[cible] += 1
    detail = ", ".join(f"{n} {e.replace('_', ' ')}" for e, n in sorted(faites.items()))
    lignes.append(f"Déclarations de démonstration : {sum(faites.values())} créée(s)"
                  + (f" ({detail})" if detail else "") + f", {deja} déjà présente(s).")
    return lignes


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("declarations", ordre=60)
    def etape_declarations(contexte: ContexteDemo) -> list[str]:
        """After the conventions and the objectives' evidence: declarations in every state, with bilans."""
        return creer_declarations_demo(contexte.rng("declarations"), national=contexte.national)


_enregistrer_etape_seed_demo()
