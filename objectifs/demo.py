"""Demo evidence (``manage.py seed_demo``, step ``objectifs``, after ``candidatures``).

On every demo candidature in the operational phase (déposée, complément demandé, complète) that has
no evidence yet, one scenario of ``SCENARIOS`` in turn (the order of the dossiers is fixed, the
figures come from ``contexte.rng("objectifs")``), entered through the services by the structure's
référent, so that each objective passes in some dossiers and fails — for each reason the demo day
allows — in others:

    exemplaire          every objective met that the demo calendar allows
    score_insuffisant   an AD scored 1 on its last audit (D1.O1.B non atteint)
    ad_sans_audit       an AD declared, never audited (D1.O1.A / O1.B incomplets)
    vulnerabilite       a critical vulnerability on the last conforming exposure audit (D1.O2.B)
    silene_seul         only SILENE exposure audits (D1.O2.B cannot be validated)
    exercice_hors_delai an exercise of 2022 (kept, does not count: D1.O3 non atteint after 2024)
    osis_partiel        oSIS with 20 of the 43 measures, no budget (D1.O4 / O5 incomplets)
    convergence_tardive GHT: convergence planned 30 months after the call (D1.O6.B non atteint)
    rien                nothing entered yet (every objective incomplet)

Limit: the demo call opens 30 days before the seeding day and the dossiers are submitted that day
(candidatures/demo.py), so no audit can be older than 30 days: the cadence failures (a gap of more
than 60 days) and the 45–60-day pair of D1.O2.B appear when the rules are run at a later date, e.g.
``manage.py evaluer_objectifs --all --date <today + 90 days>``.

Idempotent: a dossier with at least one AD, exposure audit, exercise, oSIS or budget is left alone.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

SCENARIOS = ["exemplaire", "score_insuffisant", "vulnerabilite", "exercice_hors_delai", "silene_seul",
             "osis_partiel", "convergence_tardive", "ad_sans_audit", "rien"]
CODE_APPEL = "care-d1-demo"


@cache
def _pdf(titre: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=(
        '<html lang="fr"><body style="font-family: sans-serif">'
        f"<h1>{titre}</h1><p>Document de démonstration du portail eCaRE — sans valeur.</p></body></html>"
    )).write_pdf()


def _fichier(titre: str, nom: str) -> ContentFile:
    return ContentFile(_pdf(titre), name=nom)


def _a_des_preuves(c) -> bool:
    return (c.active_directories.exists() or c.audits_exposition.exists() or c.exercices_crise.exists()
            or c.osis.exists() or c.budgets.exists())


def _preuves(c, scenario: str, ref, rng: random.Random, aujourd_hui: datetime.date) -> None:
    from . import services

    lignes = [ligne for ligne in c.perimetre.all() if ligne.inclus]
    jours = datetime.timedelta
    debut = max(c.appel.candidature_debut, aujourd_hui - jours(28))
    if not lignes:
        return
    # Active Directory: one per structure (at most 3), each with the description of its infrastructure
    # (a proof D1.O1.A requires, issue 17), and the ADS audits
    ads = []
    for i, ligne in enumerate(lignes[:3]):
        nom = f"{ligne.finess}.{'ght' if c.est_ght else 'local'}" if i else f"ad-{ligne.finess}.local"
        ads.append(services.active_directory_ajouter(
            candidature=c, nom=nom, structures=[ligne] if len(lignes) <= 3 or i else lignes[3:] + [ligne],
            acteur=ref, description=_fichier("Description de l'infrastructure AD", f"infrastructure-ad-{i + 1}.pdf")))
    if scenario != "ad_sans_audit":
        for i, ad in enumerate(ads):
            dernier = 1 if scenario == "score_insuffisant" and i == 0 else rng.choice([2, 3, 3, 4])
            for date, score in ((debut, rng.choice([2, 3])), (aujourd_hui, dernier)):
                services.audit_ads_ajouter(active_directory=ad, date=date, score=score, acteur=ref,
                                           rapport=_fichier("Rapport ORADAD / ADS", f"ads-{ad.pk}-{date}.pdf"))
    # exposure audits of the whole perimeter
    outil = "silene" if scenario == "silene_seul" else "industriel"
    for date, critiques in ((debut, rng.randint(0, 3)), (aujourd_hui, 2 if scenario == "vulnerabilite" else 0)):
        services.audit_exposition_ajouter(
            candidature=c, date=date, outil=outil, outil_nom="" if outil == "silene" else "Scanner CERT Santé conforme",
            structures=lignes, rapport=_fichier("Rapport d'audit d'exposition", f"exposition-{date}.pdf"),
            vulnerabilites={"critiques": critiques, "hautes": rng.randint(0, 6), "moyennes": rng.randint(2, 15),
                            "faibles": rng.randint(5, 40)},
            perimetre="\n".join([f"www.{ligne.finess}.demo-ecare.fr" for ligne in lignes[:5]]
                                + [f"92.103.{rng.randint(0, 255)}.{rng.randint(1, 254)}"]),
            acteur=ref)
    if scenario == "osis_partiel":
        for ligne in lignes:
            services.osis_enregistrer(candidature=c, structure=ligne, part_budget_renseignee=False,
                                      mesures_prioritaires=20, date=debut, acteur=ref)
        return
    annee = 2022 if scenario == "exercice_hors_delai" else rng.choice([2023, 2024])
    for ligne in lignes:
        services.exercice_crise_ajouter(
            candidature=c, structure=ligne, date=datetime.date(annee, rng.randint(1, 12), rng.randint(1, 28)),
            kit=rng.choice(["debutant", "intermediaire", "confirme"]), type_preuve="attestation",
            fournisseur=rng.choice(["prestataire", "ars", "grades"]),
            document=_fichier("Attestation d'exercice de crise cyber", "attestation-exercice.pdf"), acteur=ref)
        services.osis_enregistrer(candidature=c, structure=ligne, part_budget_renseignee=True,
                                  mesures_prioritaires=43, date=debut, acteur=ref)
        general = Decimal(rng.randint(20, 400)) * 1_000_000
        services.budget_enregistrer(candidature=c, structure=ligne, budget_general=general,
                                    budget_numerique=(general * Decimal(rng.randint(12, 35)) / 1000).quantize(
                                        Decimal("1")), etp_securite=Decimal(rng.randint(2, 12)) / 2, acteur=ref)
    if c.est_ght:
        # every fact D1.O6.A / D1.O6.B ask (issue 17) stated: only the date fails in convergence_tardive
        services.gouvernance_enregistrer(
            candidature=c, referent_projet="Référent projet du GHT", equipe_ad_unique=True, acteur=ref,
            referent_nomme_par_directeur=True, sdsi_volet_organisationnel=True, sdsi_volet_technique=True,
            schema_gouvernance=_fichier("Schéma de gouvernance", "gouvernance.pdf"),
            equipe_projet=_fichier("Équipe projet", "equipe-projet.pdf"))
        mois = 30 if scenario == "convergence_tardive" else 12
        services.convergence_enregistrer(
            candidature=c, deja_convergee=False, valide_dsi=True, valide_comite=True,
            date_convergence=c.appel.candidature_fin + datetime.timedelta(days=mois * 30),
            budget=Decimal(rng.randint(80, 400)) * 1000, responsable="Responsable de la convergence des AD du GHT",
            equipes_mutualisees=True, structures=lignes, acteur=ref,
            document=_fichier("Trajectoire de convergence des AD", "trajectoire.pdf"))


def creer_preuves_demo(rng: random.Random, aujourd_hui: datetime.date | None = None) -> list[str]:
    """Evidence on the demo candidatures in the operational phase; returns the French summary lines."""
    from candidatures.demo import referent_de
    from candidatures.models import Candidature

    from .services import ETATS_PREUVES

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Preuves de démonstration : jamais créées en production (DEBUG=0)."]
    aujourd_hui = aujourd_hui or timezone.localdate()
    dossiers = list(Candidature.objects.filter(appel__code=CODE_APPEL, etat__in=ETATS_PREUVES)
                    .select_related("appel", "ght", "entite_juridique").order_by("pk"))
    faits: Counter[str] = Counter()
    deja = vides = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for i, c in enumerate(dossiers):
            scenario = SCENARIOS[i % len(SCENARIOS)]
            if scenario == "rien":
                vides += 1
                continue
            if _a_des_preuves(c):
                deja += 1
                continue
            with transaction.atomic():
                _preuves(c, scenario, referent_de(c.structure, rng), rng, aujourd_hui)
            faits[scenario] += 1
    detail = ", ".join(f"{s} {n}" for s, n in sorted(faits.items()))
    return [f"Preuves des objectifs : {sum(faits.values())} dossier(s) renseigné(s){f' ({detail})' if detail else ''}"
            f", {deja} déjà renseigné(s), {vides} laissé(s) sans preuve (tout y est incomplet)."]


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("objectifs", ordre=50)
    def etape_objectifs(contexte: ContexteDemo) -> list[str]:
        """After the candidatures: evidence on the submitted demo dossiers."""
        return creer_preuves_demo(contexte.rng("objectifs"))


_enregistrer_etape_seed_demo()
