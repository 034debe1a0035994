"""The paiement app's reminders (registered in the stage registry, run by the core's beat jobs:
care_portal.notifications.rappels). Each is sent once per (dossier, kind, target, due date): see the core
module for the mechanism (``cle``, ``deja``, ``lier``)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes
from care_portal.notifications.models import Rappel
from care_portal.notifications.rappels import PARIS, cle, lier
from care_portal.notifications.services import envoyer_email

PAIEMENT = "paiement"

def rappels_paiements(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors

    from .models import Paiement

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    limite = aujourd_hui + datetime.timedelta(days=settings.CARE_RAPPEL_PAIEMENT_JOURS_AVANT)
    a_verser = (Paiement.Etat.A_VALIDER, Paiement.Etat.VALIDE, Paiement.Etat.ORDONNANCE)
    ids = list(Paiement.objects.filter(etat__in=a_verser, convention__candidature__appel__paiement_fin__gte=aujourd_hui,
                                       convention__candidature__appel__paiement_fin__lte=limite)
               .exclude(Exists(Rappel.objects.filter(
                   candidature=OuterRef("convention__candidature"), genre=PAIEMENT,
                   cible=Concat(Value("paiement-"), Cast(OuterRef("pk"), CharField())),
                   echeance=OuterRef("convention__candidature__appel__paiement_fin"))))
               .values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        retenus, rappels = [], []
        for p in (Paiement.objects.select_for_update(of=("self",))
                  .select_related("convention__candidature__appel", "convention__candidature__ght",
                                  "convention__candidature__entite_juridique")
                  .filter(pk__in=ids).order_by("convention__candidature__appel__paiement_fin", "pk")):
            if p.etat not in a_verser:
                continue  # paid or rejected meanwhile
            cand = p.convention.candidature
            rappel = cle(cand.pk, PAIEMENT, cand.appel.paiement_fin, cible=f"paiement-{p.pk}")
            if rappel is not None:
                p.jours_restants = (cand.appel.paiement_fin - aujourd_hui).days
                retenus.append(p)
                rappels.append(rappel)
        if not retenus:
            return 0
        n = len(retenus)
        envoi = envoyer_email(
            selectors.emails_secretariat_ans(),
            f"{n} paiement{'s' if n > 1 else ''} à verser avant la clôture des paiements", "rappel_paiement",
            {"paiements": retenus, "lien": settings.SITE_URL + reverse("paiement:liste")},
            candidature=retenus[0].convention.candidature if n == 1 else None,
        )
        lier(rappels, envoi)
    return n


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(PAIEMENT, "Paiement non versé avant la clôture des paiements", rappels_paiements, frequence="horaire"),
    )
