"""The controle app's reminders (registered in the stage registry, run by the core's beat jobs:
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

CONTROLE_RETARD = "controle_retard"

def rappels_controles_en_retard(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors

    from .models import Controle

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    ids = list(Controle.objects.filter(declaration__candidature__appel__controle_fin__lt=aujourd_hui)
               .exclude(etat__in=Controle.ETATS_CLOS)
               .exclude(Exists(Rappel.objects.filter(
                   candidature=OuterRef("declaration__candidature"), genre=CONTROLE_RETARD,
                   cible=Concat(Value("controle-"), Cast(OuterRef("pk"), CharField())),
                   echeance=OuterRef("declaration__candidature__appel__controle_fin"))))
               .order_by("declaration__candidature__appel__controle_fin", "pk").values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        retenus, rappels = [], []
        for c in (Controle.objects.select_for_update(of=("self",))
                  .select_related("declaration__candidature__appel", "declaration__candidature__ght",
                                  "declaration__candidature__entite_juridique")
                  .prefetch_related("controleurs").filter(pk__in=ids).order_by("date_prevue", "pk")):
            if c.clos:
                continue  # decided meanwhile
            cand = c.declaration.candidature
            rappel = cle(cand.pk, CONTROLE_RETARD, cand.appel.controle_fin, cible=f"controle-{c.pk}")
            if rappel is not None:
                c.retard_jours = (aujourd_hui - cand.appel.controle_fin).days
                retenus.append(c)
                rappels.append(rappel)
        if not retenus:
            return 0
        n = len(retenus)
        assignes = {u.email for c in retenus for u in c.controleurs.all() if u.email and u.is_active}
        envoi = envoyer_email(
            sorted(set(selectors.emails_ans()) | assignes),
            f"{n} contrôle{'s' if n > 1 else ''} non décidé{'s' if n > 1 else ''} après la fin de la fenêtre "
            "de contrôle", "rappel_controle_retard",
            {"controles": retenus, "lien": settings.SITE_URL + reverse("controle:planning")},
            candidature=retenus[0].declaration.candidature if n == 1 else None,
        )
        lier(rappels, envoi)
    return n


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(CONTROLE_RETARD, "Contrôle non décidé à la fin de la fenêtre de contrôle", rappels_controles_en_retard, frequence="horaire"),
    )
