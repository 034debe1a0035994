"""The support's reminder (registered in the stage registry, run by the core's hourly beat job:
care_portal.notifications.rappels): a help request waiting for an answer longer than
``CARE_RAPPEL_AIDE_ATTENTE_JOURS`` days (a setting, 3 by default) is reminded once to the agents of its
queue — once per request and waiting period (the ``Rappel`` key: dossier, kind, request, due date)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes
from care_portal.notifications.rappels import PARIS, cle, lier
from care_portal.notifications.services import notifier_utilisateurs

AIDE_ATTENTE = "aide_attente"
DELAI_PAR_DEFAUT = 3


def delai_jours() -> int:
    return int(getattr(settings, "CARE_RAPPEL_AIDE_ATTENTE_JOURS", DELAI_PAR_DEFAUT))


def rappels_aide_attente(*, maintenant: datetime.datetime) -> int:
    from . import selectors
    from .models import DemandeAide

    delai = datetime.timedelta(days=delai_jours())
    ids = list(DemandeAide.objects.filter(attente_depuis__lte=maintenant - delai)
               .exclude(etat=DemandeAide.Etat.RESOLUE).order_by("attente_depuis", "pk").values_list("pk", flat=True))
    envoyes = 0
    for pk in ids:
        with transaction.atomic():
            d = (DemandeAide.objects.select_for_update(of=("self",)).select_related("candidature", "region")
                 .filter(pk=pk).first())
            if d is None or d.etat == DemandeAide.Etat.RESOLUE or d.attente_depuis is None \
                    or d.attente_depuis > maintenant - delai:
                continue  # answered or resolved meanwhile
            rappel = cle(d.candidature_id, AIDE_ATTENTE, timezone.localdate(d.attente_depuis + delai, PARIS),
                         cible=f"demande-{d.pk}")
            if rappel is None:
                continue
            chemin = reverse("accompagnement:demande", args=[d.pk])
            envoi = notifier_utilisateurs(
                selectors.agents_de(d), f"Demande d'aide sans réponse depuis {(maintenant - d.attente_depuis).days} "
                f"jours : {d.objet}"[:300], "rappel_aide_attente",
                {"demande": d, "candidature": d.candidature, "jours": (maintenant - d.attente_depuis).days,
                 "delai": delai_jours(), "lien": settings.SITE_URL + chemin},
                candidature=d.candidature, lien=chemin)
            lier([rappel], envoi)
            envoyes += 1
    return envoyes


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(AIDE_ATTENTE, "Demande d'aide en attente de réponse", rappels_aide_attente, frequence="horaire"))
