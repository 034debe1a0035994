"""Demo controls (``manage.py seed_demo``, step ``controle``, ordre 70: after ``declarations`` (60)).

One control per complete declaration of the demo call (``controles_creer_a_planifier``), brought to
every state — à planifier, planifié, en cours (after a request for information and its answer),
informations demandées, objectifs atteints (sealed attestation and report), objectifs non atteints —
through the services, by the demo controller (``controleur@demo.ecare.fr``, comptes_demo). When fewer
declarations are complete than states, submitted ones are declared complete by their region's ARS
(declaration services). Idempotent: a state already present is not made again.
"""

from __future__ import annotations

import datetime
import random

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

CODE_APPEL = "care-d1-demo"
CIBLES = ["objectifs_atteints", "planifie", "en_cours", "informations_demandees", "objectifs_non_atteints",
          "a_planifier"]
DEMANDE = "Transmettez le dernier rapport ORADAD de l'AD principal, avec sa date d'export."
REPONSE = "Le rapport est disponible sur le partage sécurisé ; il date de la semaine dernière."


def _completer(appel, manquantes: int, rng: random.Random) -> int:
    """Bring ``manquantes`` more declarations of the demo call to « complète »: the submitted ones first
    (their ARS decides), those awaiting a complement (answered by their référent), then new ones on conventions signed for the purpose (declarations demo)."""
    from candidatures.demo import ars_de, referent_de
    from conventions.models import Convention
    from declarations import demo as declarations_demo
    from declarations import services as declarations
    from declarations.models import Declaration

    faites = 0
    # one declaration is left in each of these states, so that the demo keeps them all
    for d in Declaration.objects.filter(candidature__appel=appel, etat=Declaration.Etat.DEPOSEE).select_related(
            "candidature__region_instructrice").order_by("pk")[1:max(manquantes, 0) + 1]:
        declarations.declaration_declarer_complete(declaration=d, acteur=ars_de(d.candidature.region_instructrice,
                                                                                 rng))
        faites += 1
    for d in Declaration.objects.filter(candidature__appel=appel, etat=Declaration.Etat.COMPLEMENT_DEMANDE
                                        ).select_related("candidature__region_instructrice").order_by("pk")[1:]:
        if faites >= manquantes:
            return faites
        c = d.candidature
        declarations.declaration_deposer(declaration=d, acteur=referent_de(c.structure, rng), certifie=True)
        declarations.declaration_declarer_complete(declaration=d, acteur=ars_de(c.region_instructrice, rng))
        faites += 1
    if faites >= manquantes:
        return faites
    declarations_demo._signer_davantage(appel, manquantes - faites)
    for cv in declarations_demo.a_remplir(Convention.objects.filter(candidature__appel=appel,
                                                                    etat=Convention.Etat.SIGNEE)).order_by("pk"):
        if faites >= manquantes:
            break
        declarations_demo._declaration(cv, "complete", rng)
        faites += 1
    return faites


def _planifier(c, controleur, jours: int) -> None:
    from . import services

    fin = c.declaration.candidature.appel.controle_fin
    jour = min(timezone.localdate() + datetime.timedelta(days=jours), fin)
    quand = timezone.make_aware(datetime.datetime.combine(jour, datetime.time(10, 0)))
    services.controle_planifier(controle=c, acteur=controleur, modalite="visio", date_prevue=quand,
                                lieu="https://webconf.numerique.gouv.fr/controle-care-demo", controleurs=[controleur])


def _amener(c, cible: str, controleur, rng: random.Random) -> None:
    from candidatures.demo import referent_de

    from . import services

    if cible == "a_planifier":
        return
    if cible == "planifie":
        _planifier(c, controleur, jours=rng.randint(1, 20))
        return
    # a control starts on its planned day and is decided after it took place: the demo plans it today
    _planifier(c, controleur, jours=0)
    services.controle_commencer(controle=c, acteur=controleur)
    if cible in ("en_cours", "informations_demandees"):
        services.controle_demander_informations(controle=c, acteur=controleur, message=DEMANDE)
        if cible == "en_cours":
            services.controle_repondre(controle=c, acteur=referent_de(c.declaration.candidature.structure, rng),
                                       message=REPONSE)
        return
    verdicts = list(c.verdicts.order_by("ordre", "code"))
    saisies = {v.code: ("conforme", "Vérifié lors du contrôle.") for v in verdicts}
    if cible == "objectifs_non_atteints" and verdicts:
        saisies[verdicts[0].code] = ("non_conforme", "Les deux derniers audits ne sont pas espacés de 45 à 60 jours.")
    services.controle_enregistrer_grille(controle=c, acteur=controleur, saisies=saisies)
    if cible == "objectifs_atteints":
        services.controle_valider_atteinte(controle=c, acteur=controleur)
    else:
        services.controle_constater_non_atteinte(controle=c, acteur=controleur)


def creer_controles_demo(rng: random.Random) -> list[str]:
    from candidatures.demo import DOMAINE
    from care_portal.comptes.models import User
    from care_portal.referentiel.models import AppelAFinancement

    from . import services
    from .models import Controle

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Contrôles de démonstration : jamais créés en production (DEBUG=0)."]
    appel = AppelAFinancement.objects.filter(code=CODE_APPEL).first()
    controleur = User.objects.filter(email=f"controleur@{DOMAINE}").first()
    if appel is None or controleur is None:
        return ["Contrôles de démonstration : appel ou contrôleur de démonstration absent."]
    lignes = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        from declarations.models import Declaration

        existants = Controle.objects.filter(declaration__candidature__appel=appel)
        presents = set(existants.values_list("etat", flat=True))
        # every state but « à planifier » made from a control à planifier, and one of those left as it is
        manquants = [cible for cible in CIBLES if cible != "a_planifier" and cible not in presents]
        disponibles = (existants.filter(etat=Controle.Etat.A_PLANIFIER).count()
                       + Declaration.objects.filter(candidature__appel=appel, etat=Declaration.Etat.COMPLETE,
                                                    controle__isnull=True).count())
        n = _completer(appel, len(manquants) + 1 - disponibles, rng)
        if n:
            lignes.append(f"Déclarations déclarées complètes pour les contrôles de démonstration : {n}.")
        services.controles_creer_a_planifier()
        a_planifier = list(existants.filter(etat=Controle.Etat.A_PLANIFIER).order_by("pk"))
        faits = []
        for cible in manquants:
            if len(a_planifier) <= 1:
                break  # the last one stays à planifier
            _amener(a_planifier.pop(0), cible, controleur, rng)
            faits.append(cible)
    lignes.append(f"Contrôles de démonstration : {len(faits)} amené(s) à un nouvel état"
                  + (f" ({', '.join(e.replace('_', ' ') for e in faits)})" if faits else "")
                  + f", {Controle.objects.filter(declaration__candidature__appel=appel).count()} au total.")
    return lignes


#: ``seed_demo --national``: the states of the controls (weights per 840 complete declarations).
REPARTITION_NATIONALE = {"objectifs_atteints": 760, "objectifs_non_atteints": 20, "planifie": 20, "en_cours": 10,
                         "informations_demandees": 10, "a_planifier": 20}


def creer_controles_nationaux(rng: random.Random) -> list[str]:
    """National volume: one control per complete declaration (``controles_creer_a_planifier``), those still
    « à planifier » brought to the campaign's proportions of states through the services."""
    from django.db import transaction

    from candidatures.demo import DOMAINE
    from care_portal.comptes.models import User
    from care_portal.referentiel.demo import repartition

    from . import services
    from .models import Controle

    controleur = User.objects.filter(email=f"controleur@{DOMAINE}").first()
    if controleur is None:
        return ["Contrôles de démonstration : contrôleur de démonstration absent."]
    faits: dict[str, int] = {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        services.controles_creer_a_planifier()
        qs = Controle.objects.filter(declaration__candidature__appel__code=CODE_APPEL)
        a_planifier = list(qs.filter(etat=Controle.Etat.A_PLANIFIER).order_by("pk"))
        if qs.exclude(etat=Controle.Etat.A_PLANIFIER).count() > len(REPARTITION_NATIONALE):
            a_planifier = []  # a national run already placed them: idempotent
        for c, cible in zip(a_planifier, repartition(len(a_planifier), REPARTITION_NATIONALE, rng), strict=True):
            with transaction.atomic():
                _amener(c, cible, controleur, rng)
            faits[cible] = faits.get(cible, 0) + 1
    detail = ", ".join(f"{n} {e.replace('_', ' ')}" for e, n in sorted(faits.items()))
    return [f"Contrôles (volume national) : {sum(faits.values())} amené(s) à leur état"
            + (f" ({detail})" if detail else "") + f", {qs.count()} au total."]


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("controle", ordre=70)
    def etape_controle(contexte: ContexteDemo) -> list[str]:
        """After the declarations: controls in every state, with the attestation and the report."""
        if contexte.national:
            return [*creer_controles_demo(contexte.rng("controle")),
                    *creer_controles_nationaux(contexte.rng("controle-national"))]
        return creer_controles_demo(contexte.rng("controle"))


_enregistrer_etape_seed_demo()
