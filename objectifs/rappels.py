"""The objectifs app's reminders (registered in the stage registry, run by the core's beat jobs:
care_portal.notifications.rappels). Each is sent once per (dossier, kind, target, due date): see the core
module for the mechanism (``cle``, ``deja``, ``lier``)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes
from care_portal.notifications.models import Rappel
from care_portal.notifications.rappels import PARIS, cle, lier
from care_portal.notifications.services import envoyer_email

AUDIT_ADS = "audit_ads"
AUDIT_EXPOSITION = "audit_exposition"

OBJECTIFS_AUDIT = {"D1.O1.A": AUDIT_ADS, "D1.O2.A": AUDIT_EXPOSITION}


def rappels_audits(*, maintenant: datetime.datetime | None = None) -> int:
    """One e-mail per dossier listing its ADs and structures whose next audit falls due within the delay."""
    from candidatures import selectors
    from candidatures.models import Candidature

    from .selectors import candidatures_evaluables, evaluer_lots
    from .services import ETATS_PREUVES

    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = datetime.timedelta(days=settings.CARE_RAPPEL_AUDIT_JOURS_AVANT)
    dus: dict[int, list[tuple[str, object]]] = {}
    for c, verdicts in evaluer_lots(candidatures_evaluables(), aujourd_hui):
        for v in verdicts:
            genre = OBJECTIFS_AUDIT.get(v.code)
            if genre is None:
                continue
            for e in v.prochaines_echeances:
                if not e.en_retard and e.date - delai <= aujourd_hui <= e.date:
                    dus.setdefault(c.pk, []).append((genre, e))
    if not dus:
        return 0
    existants = set(Rappel.objects.filter(candidature__in=list(dus), genre__in=list(OBJECTIFS_AUDIT.values()),
                                          echeance__gte=aujourd_hui)
                    .values_list("candidature_id", "genre", "cible", "echeance"))
    envoyes = 0
    for pk, echeances in dus.items():
        a_faire = [(g, e) for g, e in echeances if (pk, g, str(e.cible_id), e.date) not in existants]
        if not a_faire:
            continue
        with transaction.atomic():
            c = (Candidature.objects.select_for_update(of=("self",))
                 .select_related("ght", "entite_juridique").filter(pk=pk).first())
            if c is None or c.etat not in ETATS_PREUVES:
                continue  # rejected or withdrawn meanwhile
            rappels, lignes = [], []
            for genre, e in sorted(a_faire, key=lambda ge: (ge[1].date, ge[0], ge[1].cible)):
                rappel = cle(c.pk, genre, e.date, cible=str(e.cible_id))
                if rappel is not None:
                    rappels.append(rappel)
                    lignes.append({"genre": etapes.rappel(genre).libelle, "cible": e.cible, "date": e.date,
                                   "jours": (e.date - aujourd_hui).days})
            if not rappels:
                continue
            premiere = lignes[0]["date"]
            envoi = envoyer_email(
                selectors.emails_es(c), f"Prochain audit à réaliser avant le {premiere:%d/%m/%Y}", "rappel_audit",
                {"candidature": c, "lignes": lignes, "delai": settings.CARE_RAPPEL_AUDIT_JOURS_AVANT,
                 "lien": settings.SITE_URL + reverse("objectifs:tableau", args=[c.pk])},
            )
            lier(rappels, envoi)
            envoyes += len(rappels)
    return envoyes


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(AUDIT_ADS, "Prochain audit ADS", None, frequence="quotidien"),
        etapes.Rappel(AUDIT_EXPOSITION, "Prochain audit d'exposition", rappels_audits, frequence="quotidien"),
    )
