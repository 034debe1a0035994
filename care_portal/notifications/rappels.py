"""Deadline reminders and the daily digest (issue 10), run by beat jobs (tasks.py).

The reminders themselves belong to the stage apps: each app registers its kinds in the stage registry
(``care_portal.core.etapes.Rappel``: code, label, sending function, ``horaire`` or ``quotidien``) from
its ``rappels.py``; the core runs them and knows none of them. A new reminder is added by editing only
its stage app: ``Rappel.genre`` is a code validated against the registry, not a list of choices.

The mechanism every reminder uses: each is due over a window, not on one day, so that a missed run
(worker down for a day) catches up on the next one; and each is sent once per (dossier, kind, target, due
date): a ``Rappel`` row is inserted first (``cle``), in the transaction that records the e-mail, and its
unique constraint refuses a second one (a re-run, a catch-up, two workers at once). The dossier is
locked and its state read again before sending: a dossier that moved on meanwhile is not reminded. The
delays are settings (``CARE_RAPPEL_*``).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes

from .models import Envoi, Notification, PreferenceNotification, Rappel, Resume
from .services import envoyer_email

PARIS = ZoneInfo("Europe/Paris")


def envoyer_rappels(*, maintenant: datetime.datetime | None = None, frequence: str = "horaire") -> dict[str, int]:
    """The registered reminders of a frequency: ``horaire`` (the hourly job) or ``quotidien`` (the daily
    one: the audits, which read every dossier's evidence). Returns how many each sent."""
    maintenant = maintenant or timezone.now()
    return {r.code: r.envoyer(maintenant=maintenant) for r in etapes.rappels(frequence) if r.envoyer is not None}


def cle(candidature_id: int, genre: str, echeance: datetime.date, cible: str = "") -> Rappel | None:
    """Insert the reminder's key; None when it was already sent (the unique constraint refuses it)."""
    if genre not in etapes.codes_rappels():
        raise ValueError(f"Genre de rappel non enregistré : {genre}")
    try:
        with transaction.atomic():
            return Rappel.objects.create(candidature_id=candidature_id, genre=genre, cible=cible, echeance=echeance)
    except IntegrityError:
        return None


def deja(genre: str, echeance=None, cible=None):
    q = Rappel.objects.filter(candidature=OuterRef("pk"), genre=genre)
    if echeance is not None:
        q = q.filter(echeance=echeance)
    if cible is not None:
        q = q.filter(cible=cible)
    return Exists(q)


def lier(rappels: list[Rappel], envoi: Envoi | None) -> None:
    if envoi is not None:
        Rappel.objects.filter(pk__in=[r.pk for r in rappels]).update(envoi=envoi)


def lien_dossier(c) -> str:
    return settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])


# --- the daily digest -----------------------------------------------------------------------------

def envoyer_resumes(*, maintenant: datetime.datetime | None = None) -> int:
    """The day's digest of unread notices, for the users who asked for it: once a day (``Resume`` is
    unique per user and day), by the first run after ``CARE_RESUME_HEURE``; nothing unread, no e-mail."""
    maintenant = maintenant or timezone.now()
    local = timezone.localtime(maintenant, PARIS)
    if local.hour < settings.CARE_RESUME_HEURE:
        return 0
    jour = local.date()
    utilisateurs = (PreferenceNotification.objects.filter(resume_quotidien=True, utilisateur__is_active=True)
                    .exclude(utilisateur__in=Resume.objects.filter(jour=jour).values("utilisateur"))
                    .select_related("utilisateur"))
    envoyes = 0
    for pref in utilisateurs:
        u = pref.utilisateur
        with transaction.atomic():
            try:
                with transaction.atomic():
                    resume = Resume.objects.create(utilisateur=u, jour=jour)
            except IntegrityError:
                continue
            non_lues = list(Notification.objects.filter(destinataire=u, lue_le__isnull=True,
                                                        cree_le__gte=maintenant - datetime.timedelta(days=1))
                            .order_by("-cree_le", "-pk")[:50])
            resume.nombre = len(non_lues)
            if non_lues and u.email:
                resume.envoi = envoyer_email(
                    [u.email], f"Résumé du {jour:%d/%m/%Y} : {len(non_lues)} notification"
                    f"{'s' if len(non_lues) > 1 else ''} non lue{'s' if len(non_lues) > 1 else ''}",
                    "resume_quotidien",
                    {"utilisateur": u, "notifications": non_lues, "jour": jour,
                     "lien": settings.SITE_URL + reverse("notifications:centre")},
                )
                envoyes += 1
            resume.save(update_fields=["nombre", "envoi"])
    return envoyes
