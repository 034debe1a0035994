"""The declarations app's reminders (registered in the stage registry, run by the core's beat jobs:
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

from care_portal.core import etapes
from care_portal.notifications.models import Rappel
from care_portal.notifications.rappels import PARIS, cle, deja, lier
from care_portal.notifications.services import envoyer_email

DECLARATION = "declaration"
ARS_DECLARATION = "ars_declaration"

def rappels_declarations(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from candidatures.models import Candidature
    from care_portal.referentiel.models import AppelAFinancement
    from conventions.models import Convention

    from .models import Declaration

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT
    a_deposer = (Declaration.Etat.BROUILLON, Declaration.Etat.COMPLEMENT_DEMANDE)
    envoyes = 0
    appels = AppelAFinancement.objects.filter(declaration_fin__gte=aujourd_hui,
                                              declaration_fin__lte=aujourd_hui + datetime.timedelta(days=delai))
    for appel in appels:
        deposees = Declaration.objects.filter(candidature=OuterRef("pk")).exclude(etat__in=a_deposer)
        ids = list(Candidature.objects.filter(appel=appel, convention__etat=Convention.Etat.SIGNEE)
                   .exclude(Exists(deposees))
                   .exclude(deja(DECLARATION, appel.declaration_fin)).values_list("pk", flat=True))
        for pk in ids:
            with transaction.atomic():
                c = (Candidature.objects.select_for_update(of=("self",))
                     .select_related("appel", "ght", "entite_juridique").filter(pk=pk).first())
                if c is None:
                    continue
                d = Declaration.objects.select_for_update().filter(candidature=c).first()
                if d is not None and d.etat not in a_deposer:
                    continue  # submitted meanwhile
                rappel = cle(c.pk, DECLARATION, appel.declaration_fin)
                if rappel is None:
                    continue
                lien = settings.SITE_URL + (reverse("declarations:detail", args=[d.pk]) if d is not None
                                            else reverse("declarations:pour_candidature", args=[c.pk]))
                envoi = envoyer_email(
                    selectors.emails_es(c),
                    f"Déclaration d'atteinte des objectifs à déposer avant le {appel.declaration_fin:%d/%m/%Y}",
                    "rappel_declaration",
                    {"candidature": c, "declaration": d, "fin": appel.declaration_fin,
                     "jours_restants": (appel.declaration_fin - aujourd_hui).days, "lien": lien},
                    candidature=c,
                )
                lier([rappel], envoi)
                envoyes += 1
    return envoyes

def rappels_ars_declarations(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors

    from .models import Declaration

    delai = datetime.timedelta(days=settings.CARE_RAPPEL_ARS_ATTENTE_JOURS)
    par_region: dict[int, list[int]] = defaultdict(list)
    for pk, region in (Declaration.objects.filter(etat=Declaration.Etat.DEPOSEE, deposee_le__lte=maintenant - delai)
                       .exclude(Exists(Rappel.objects.filter(candidature=OuterRef("candidature"),
                                                             genre=ARS_DECLARATION,
                                                             cree_le__gte=OuterRef("deposee_le"))))
                       .order_by("deposee_le", "pk").values_list("pk", "candidature__region_instructrice")):
        par_region[region].append(pk)
    envoyes = 0
    for ids in par_region.values():
        with transaction.atomic():
            retenues, rappels = [], []
            for d in (Declaration.objects.select_for_update(of=("self",))
                      .select_related("candidature__ght", "candidature__entite_juridique",
                                      "candidature__region_instructrice")
                      .filter(pk__in=ids).order_by("deposee_le", "pk")):
                if d.etat != Declaration.Etat.DEPOSEE or d.deposee_le > maintenant - delai:
                    continue  # decided, or sent back for a complement, meanwhile
                rappel = cle(d.candidature_id, ARS_DECLARATION,
                              timezone.localdate(d.deposee_le + delai, PARIS), cible=f"declaration-{d.pk}")
                if rappel is not None:
                    d.attente_jours = (maintenant - d.deposee_le).days
                    retenues.append(d)
                    rappels.append(rappel)
            if not retenues:
                continue
            n = len(retenues)
            premiere = retenues[0].candidature
            envoi = envoyer_email(
                selectors.emails_ars(premiere),
                f"{n} déclaration{'s' if n > 1 else ''} en attente de vérification depuis plus de "
                f"{settings.CARE_RAPPEL_ARS_ATTENTE_JOURS} jours", "rappel_ars_declaration",
                {"declarations": retenues, "delai": settings.CARE_RAPPEL_ARS_ATTENTE_JOURS,
                 "region": premiere.region_instructrice,
                 "lien": settings.SITE_URL + reverse("declarations:file") + "?etat=deposee"},
                candidature=premiere if n == 1 else None,
            )
            lier(rappels, envoi)
            envoyes += n
    return envoyes


def enregistrer() -> None:
    etapes.enregistrer_rappels(
        etapes.Rappel(DECLARATION, "Déclaration non déposée avant la clôture", rappels_declarations, frequence="horaire"),
        etapes.Rappel(ARS_DECLARATION, "Déclaration en attente de vérification", rappels_ars_declarations, frequence="horaire"),
    )
