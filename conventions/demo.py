"""Demo conventions (``seed_demo``, step « conventions », after the candidatures): the platform certificate
of the native signature, then the conventions of the demo call's complete candidatures brought to rotating
states through the services (sent, signed by the establishment, countersigned, expired; some left for the
ANS to send). Never in production."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from candidatures.demo import CODE_APPEL, DOMAINE
from care_portal.comptes.models import User
from care_portal.workflow.services import WorkflowError

CIBLES_CONVENTION = ("a_generer", "envoyee", "signee_es", "signee", "expiree")


def certificat_demo() -> str:
    """The platform certificate of the native signature: generated (self-signed) when missing."""
    from care_portal.signature import pades

    certificat, cle = settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE
    if certificat.exists() and cle.exists():
        return f"Certificat de signature de la plateforme : {certificat} (existant)."
    certificat.parent.mkdir(parents=True, exist_ok=True)
    pades.generer_certificat_auto_signe(certificat, cle)
    return f"Certificat de signature de la plateforme : {certificat} (auto-signé, généré pour la démonstration)."


#: ``seed_demo --national``: the states of the conventions (weights per 1,200).
REPARTITION_CONVENTIONS = {"signee": 1030, "signee_es": 70, "envoyee": 50, "expiree": 20, "a_generer": 30}


def creer_conventions_demo(rng: random.Random | None = None) -> list[str]:
    """Bring the conventions of the demo call's complete candidatures to rotating states through the
    services (sent, signed by the ES, countersigned, expired; some left for the ANS to send). The state
    aimed at depends on the convention's rank: a second run leaves every convention as it is."""
    from . import services as conventions
    from .models import Convention

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Conventions de démonstration : jamais créées en production (DEBUG=0)."]
    lignes = [certificat_demo()]
    admin = User.objects.filter(email=f"admin@{DOMAINE}").first()
    dg = User.objects.filter(email=f"dg@{DOMAINE}").first()
    if admin is None or dg is None:
        return [*lignes, "Conventions de démonstration : comptes ANS de démonstration absents (étape « comptes »)."]
    faites: Counter[str] = Counter()
    sans_plafond = 0
    a_contresigner = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        # the state aimed at rotates with the convention's rank among the demo call's, whatever the ids
        # the database gave (SQLite and PostgreSQL then seed the same distribution); national volume
        # (``rng`` given): drawn in the campaign's proportions, countersigned in lots of 100
        rangs = list(Convention.objects.filter(candidature__appel__code=CODE_APPEL).order_by("candidature_id", "pk")
                     .select_related("candidature"))
        if rng is not None:
            from care_portal.referentiel.demo import repartition

            cibles = repartition(len(rangs), REPARTITION_CONVENTIONS, rng)
        else:
            cibles = [CIBLES_CONVENTION[rang % len(CIBLES_CONVENTION)] for rang in range(len(rangs))]
        for rang, (cv, cible) in enumerate(zip(rangs, cibles, strict=True)):
            if cible == "a_generer" or cv.etat != Convention.Etat.A_GENERER or cv.envoi_demande_le is not None:
                continue
            try:
                envoyer_demo(cv, admin, abaisser=rang % 7 == 3)
            except WorkflowError as exc:
                if exc.code != "plafond":
                    raise
                sans_plafond += 1  # no ceiling grid: run step « plafonds » first
                continue
            if cible == "expiree":
                Convention.objects.filter(pk=cv.pk).update(echeance=timezone.now())
                conventions.conventions_expirer()
            elif cible in ("signee_es", "signee"):
                _signer_demo(cv, dg, contresigner=cible == "signee" and rng is None)
                if cible == "signee" and rng is not None:
                    a_contresigner.append(cv)
            faites[cible] += 1
        for debut in range(0, len(a_contresigner), 100):
            contresigner_demo(dg, a_contresigner[debut:debut + 100])
    total = Convention.objects.filter(candidature__appel__code=CODE_APPEL).count()
    detail = ", ".join(f"{n} {e.replace('_', ' ')}" for e, n in sorted(faites.items()))
    lignes.append(f"Conventions de démonstration : {total} au total" + (f" ; cette fois {detail}." if detail else "."))
    if sans_plafond:
        lignes.append(f"{sans_plafond} convention(s) sans montant, faute de matrice des plafonds : lancez l'étape "
                      "« plafonds » puis relancez « conventions ».")
    return lignes


MOTIF_BAISSE_DEMO = "Périmètre réduit : un site de l'établissement est déjà financé par un autre programme."


def envoyer_demo(cv, admin: User, *, abaisser: bool = False) -> None:
    """Send a convention « à générer » as the demo ANS admin, with the amount of the ceiling grid (lowered
    by 10 % with a motive when ``abaisser``): generated and sent now, whatever the task queue (the queued
    task then finds nothing to do)."""
    from . import services as conventions

    montant = motif = None
    if abaisser and cv.plafond:
        montant, motif = (cv.plafond * Decimal("0.9")).quantize(Decimal("1000")), MOTIF_BAISSE_DEMO
    conventions.convention_envoyer(convention=cv, acteur=admin, montant=montant, motif=motif or "")
    conventions.envoyer(cv.pk)
    cv.refresh_from_db()


def _signer_demo(cv, dg: User, *, contresigner: bool) -> None:
    """Sign in the demo signatory's place, then countersign as the demo DG, through the services."""
    from . import services as conventions

    code = f"{cv.pk % 1_000_000:06d}"
    conventions.code_envoyer_signataire(convention=cv, code=code)
    conventions.convention_signer_es(convention=cv, code=code, consentement=True, ip="127.0.0.1")
    if contresigner:
        contresigner_demo(dg, [cv])


def contresigner_demo(dg: User, cvs: list) -> None:
    """Countersign ``cvs`` as the demo DG through the services (one code, one lot), sealed now whatever
    the task queue: the queued tasks then find nothing to do."""
    from . import services as conventions
    from .models import CodeSignature

    code = f"{cvs[0].pk % 1_000_000:06d}"
    # one code a minute at most: the demo ages the DG's previous one
    CodeSignature.objects.filter(utilisateur=dg).update(cree_le=timezone.now() - datetime.timedelta(minutes=5))
    conventions.code_envoyer_dg(acteur=dg, conventions=cvs, code=code)
    lot = conventions.conventions_contresigner(acteur=dg, code=code, ip="127.0.0.1")
    for pk in lot.elements.order_by("pk").values_list("pk", flat=True):
        conventions.contresignature_sceller(pk)


def _enregistrer_etape_conventions() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("conventions", ordre=45)
    def etape_conventions(contexte: ContexteDemo) -> list[str]:
        """After the candidatures: the platform certificate and the conventions of the complete ones."""
        return creer_conventions_demo(contexte.rng("conventions") if contexte.national else None)


_enregistrer_etape_conventions()
