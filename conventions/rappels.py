"""The convention's reminder (registered in the stage registry, run by the core's beat jobs:
care_portal.notifications.rappels): a convention sent and not yet signed, on the days of
``CARE_RAPPEL_CONVENTION_JOURS`` after its sending, once per (sending, day)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from care_portal.core import etapes
from care_portal.notifications.rappels import PARIS, cle, lier
from care_portal.notifications.services import envoyer_email

CONVENTION = "convention"


def _jalon_atteint(cv, maintenant: datetime.datetime) -> int | None:
    """The latest reminder day (of CARE_RAPPEL_CONVENTION_JOURS) reached by ``maintenant``, Paris wall clock."""
    from .services import echeance_de

    atteints = [j for j in sorted(settings.CARE_RAPPEL_CONVENTION_JOURS) if echeance_de(cv.envoyee_le, j) <= maintenant]
    return atteints[-1] if atteints else None


def rappels_conventions(*, maintenant: datetime.datetime) -> int:
    from .models import Convention
    from .services import lien_dossier, lien_signature

    premier = min(settings.CARE_RAPPEL_CONVENTION_JOURS, default=None)
    if premier is None:
        return 0
    envoyes = 0
    candidates = list(Convention.objects.filter(
        etat=Convention.Etat.ENVOYEE, signature_bloquee_le__isnull=True, echeance__gt=maintenant,
        envoyee_le__lte=maintenant - datetime.timedelta(days=premier) + datetime.timedelta(hours=2),
    ).values_list("pk", flat=True))
    for pk in candidates:
        with transaction.atomic():
            cv = (Convention.objects.select_for_update(of=("self",))
                  .select_related("candidature__ght", "candidature__entite_juridique").filter(pk=pk).first())
            if (cv is None or cv.etat != Convention.Etat.ENVOYEE or cv.signature_bloquee_le is not None
                    or cv.echeance is None or cv.echeance <= maintenant):
                continue  # signed, expired or blocked meanwhile
            jour = _jalon_atteint(cv, maintenant)
            if jour is None:
                continue
            echeance = timezone.localtime(cv.echeance, PARIS)
            rappel = cle(cv.candidature_id, CONVENTION, echeance.date(), cible=f"envoi-{cv.envoi}-j{jour}")
            if rappel is None:
                continue
            c = cv.candidature
            envoi = envoyer_email(
                [c.signataire_email], f"Rappel : convention CaRE {cv.numero} à signer avant le {echeance:%d/%m/%Y à %H:%M}",
                "rappel_convention",
                {"convention": cv, "candidature": c, "echeance": echeance, "jour": jour,
                 "delai": c.appel.delai_signature_jours if c.appel_id else None,
                 "lien": lien_signature(cv) if cv.fournisseur == "native" else "", "lien_dossier": lien_dossier(cv)},
                copies=[c.referent_email, c.rssi_email, c.dsi_email],
            )
            lier([rappel], envoi)
            envoyes += 1
    return envoyes


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(CONVENTION, "Convention non signée", rappels_conventions, frequence="horaire"))
