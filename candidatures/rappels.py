"""The candidatures app's reminders (registered in the stage registry, run by the core's beat jobs:
care_portal.notifications.rappels). Each is sent once per (dossier, kind, target, due date): see the core
module for the mechanism (``cle``, ``deja``, ``lier``)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from care_portal.bureau import selectors as bureau_selectors
from care_portal.core import etapes
from care_portal.notifications.models import Rappel
from care_portal.notifications.rappels import PARIS, cle, deja, lien_dossier, lier
from care_portal.notifications.services import envoyer_email

BROUILLON = "brouillon"
ARS_ATTENTE = "ars_attente"

def rappels_brouillons(*, maintenant: datetime.datetime) -> int:
    from care_portal.referentiel.models import AppelAFinancement

    from . import selectors
    from .models import Candidature

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT
    envoyes = 0
    appels = AppelAFinancement.objects.filter(candidature_fin__gte=aujourd_hui,
                                              candidature_fin__lte=aujourd_hui + datetime.timedelta(days=delai))
    for appel in appels:
        ids = list(Candidature.objects.filter(appel=appel, etat=Candidature.Etat.BROUILLON)
                   .exclude(deja(BROUILLON, appel.candidature_fin)).values_list("pk", flat=True))
        for pk in ids:
            with transaction.atomic():
                c = (Candidature.objects.select_for_update(of=("self",))
                     .select_related("appel", "ght", "entite_juridique").filter(pk=pk).first())
                if c is None or c.etat != Candidature.Etat.BROUILLON:
                    continue  # submitted or withdrawn meanwhile
                rappel = cle(c.pk, BROUILLON, appel.candidature_fin)
                if rappel is None:
                    continue
                envoi = envoyer_email(
                    selectors.emails_es(c),
                    f"Candidature à déposer avant le {appel.candidature_fin:%d/%m/%Y}", "rappel_brouillon",
                    {"candidature": c, "fin": appel.candidature_fin,
                     "jours_restants": (appel.candidature_fin - aujourd_hui).days, "lien": lien_dossier(c)},
                )
                lier([rappel], envoi)
                envoyes += 1
    return envoyes

def rappels_ars_attente(*, maintenant: datetime.datetime) -> int:
    from . import selectors
    from .models import Candidature

    delai = datetime.timedelta(days=settings.CARE_RAPPEL_ARS_ATTENTE_JOURS)
    par_region: dict[int, list[int]] = defaultdict(list)
    for pk, region in (Candidature.objects.filter(etat=Candidature.Etat.DEPOSEE, deposee_le__lte=maintenant - delai)
                       .exclude(Exists(Rappel.objects.filter(candidature=OuterRef("pk"), genre=ARS_ATTENTE,
                                                             cree_le__gte=OuterRef("deposee_le"))))
                       .order_by("deposee_le", "pk").values_list("pk", "region_instructrice")):
        par_region[region].append(pk)
    envoyes = 0
    for ids in par_region.values():
        with transaction.atomic():
            retenues, rappels = [], []
            for c in (Candidature.objects.select_for_update(of=("self",))
                      .select_related("ght", "entite_juridique", "region_instructrice").filter(pk__in=ids)
                      .order_by("deposee_le", "pk")):
                if c.etat != Candidature.Etat.DEPOSEE or c.deposee_le > maintenant - delai:
                    continue  # decided, or sent back for a complement, meanwhile
                rappel = cle(c.pk, ARS_ATTENTE, timezone.localdate(c.deposee_le + delai, PARIS))
                if rappel is not None:
                    retenues.append(c)
                    rappels.append(rappel)
            if not retenues:
                continue
            affectes = bureau_selectors.affectes([c.pk for c in retenues], agence=bureau_selectors.ARS)
            for c in retenues:
                c.attente_jours = (maintenant - c.deposee_le).days
                c.affecte = affectes.get(c.pk)  # the ARS agent on it (care_portal.bureau), named in the e-mail
            n = len(retenues)
            envoi = envoyer_email(
                selectors.emails_ars(retenues[0]),
                f"{n} candidature{'s' if n > 1 else ''} en attente d'instruction depuis plus de "
                f"{settings.CARE_RAPPEL_ARS_ATTENTE_JOURS} jours", "rappel_ars_attente",
                {"candidatures": retenues, "delai": settings.CARE_RAPPEL_ARS_ATTENTE_JOURS,
                 "region": retenues[0].region_instructrice,
                 "lien": settings.SITE_URL + reverse("candidatures:file") + "?etat=deposee"},
                candidature=retenues[0] if n == 1 else None,
            )
            lier(rappels, envoi)
            envoyes += n
    return envoyes


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(BROUILLON, "Candidature non déposée avant la clôture", rappels_brouillons, frequence="horaire"),
        etapes.Rappel(ARS_ATTENTE, "Candidature en attente d'instruction", rappels_ars_attente, frequence="horaire"),
    )
