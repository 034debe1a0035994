"""Thin tasks of the notifications (STYLE.md rule 7): sending one e-mail (each attempt recorded on its
``Envoi``, failures retried with an exponential backoff), the reminders and the daily digest (beat
jobs, idempotent through their unique constraints: see rappels.py)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


def delai_nouvel_essai(essai: int) -> int:
    """Seconds before retry number ``essai`` + 1: base × 2^essai, capped (30 s, 1 min, 2 min … 1 h)."""
    base = settings.CARE_NOTIFICATIONS_BACKOFF_SECONDES
    return min(settings.CARE_NOTIFICATIONS_BACKOFF_MAX_SECONDES, base * 2 ** essai)


@shared_task(name="notifications.envoyer_email", bind=True)
def envoyer_email_task(self, to: list[str], cc: list[str], sujet: str, texte: str, html: str = "",
                       pieces_jointes: list[str] | None = None, si_refus: list | None = None,
                       envoi_id: int | None = None, fichiers: list[list[str]] | None = None) -> int:
    from .models import Envoi
    from .services import envoi_marquer

    if envoi_id is not None and Envoi.objects.filter(
            pk=envoi_id, statut__in=(Envoi.Statut.ENVOYE, Envoi.Statut.REFUSE, Envoi.Statut.ECHEC)).exists():
        return 0  # a re-delivered or re-published task (acks_late, the outbox) must not send the e-mail twice
    # A stable Message-ID: if a worker is killed after the SMTP server accepted the message and before the
    # status below is written, the outbox sends it again with the same identifier, which the receiving
    # servers use to drop the duplicate.
    entetes = {"Message-ID": message_id(envoi_id)} if envoi_id is not None else {}
    message = EmailMultiAlternatives(subject=sujet, body=texte, from_email=settings.DEFAULT_FROM_EMAIL, to=to, cc=cc,
                                     headers=entetes)
    if html:
        message.attach_alternative(html, "text/html")
    for document_id in pieces_jointes or ():
        _joindre(message, document_id)
    for nom, contenu, type_mime in fichiers or ():
        message.attach(nom, contenu, type_mime)
    essai = self.request.retries
    while True:
        # recorded as being sent before the SMTP call: a killed worker leaves « envoi en cours », which
        # the outbox's catch-up publishes again
        envoi_marquer(envoi_id, Envoi.Statut.EN_COURS, tentative=False)
        try:
            nombre = message.send()
        except smtplib.SMTPRecipientsRefused as refus:
            # A refused address will not be accepted on a retry: record it, tell the sender's app and stop.
            envoi_marquer(envoi_id, Envoi.Statut.REFUSE,
                          erreur="Adresse(s) refusée(s) : " + ", ".join(sorted(refus.recipients)))
            if si_refus:
                from care_portal.core.travaux import confier

                nom, kwargs = si_refus
                confier(nom, **kwargs, adresses=sorted(refus.recipients), immediat=True)
            return 0
        except (OSError, smtplib.SMTPException) as erreur:
            description = f"{type(erreur).__name__} : {erreur}"
            if essai >= settings.CARE_NOTIFICATIONS_ESSAIS_MAX:
                # Given up: recorded (the ANS admin sees it in the administration space), not raised again.
                envoi_marquer(envoi_id, Envoi.Statut.ECHEC, erreur=description)
                logger.error("notifications: envoi %s abandonné après %s essais : %s", envoi_id, essai + 1,
                             description)
                return 0
            envoi_marquer(envoi_id, Envoi.Statut.NOUVEL_ESSAI, erreur=description)
            if self.request.is_eager:
                essai += 1  # embedded mode (no worker to wait for the backoff): the next attempt at once
                continue
            raise self.retry(exc=erreur, countdown=delai_nouvel_essai(essai),
                             max_retries=settings.CARE_NOTIFICATIONS_ESSAIS_MAX) from erreur
        envoi_marquer(envoi_id, Envoi.Statut.ENVOYE)
        return nombre


def message_id(envoi_id: int) -> str:
    """``<ecare.envoi.<id>@<portal host>>``: the same for every attempt at sending one ``Envoi``."""
    from urllib.parse import urlsplit

    hote = urlsplit(settings.SITE_URL).hostname or "ecare.localhost"
    return f"<ecare.envoi.{envoi_id}@{hote}>"


def _joindre(message: EmailMultiAlternatives, document_id: str) -> None:
    """Attach a document's bytes (the portal's own generated documents: a signed convention)."""
    from django.core.files.storage import default_storage

    from care_portal.documents.models import Document

    document = Document.objects.get(pk=document_id)
    with default_storage.open(document.cle_stockage, "rb") as f:
        message.attach(document.nom_original, f.read(), document.type_mime)


@shared_task(name="notifications.envoyer_rappels")
def envoyer_rappels_task() -> dict[str, int]:
    """Beat job: the deadline reminders due today or missed since (each one once)."""
    from .rappels import envoyer_rappels

    return envoyer_rappels()


@shared_task(name="notifications.envoyer_rappels_audits")
def envoyer_rappels_audits_task() -> int:
    """Beat job: the next ADS and exposure audits due (reads every followed dossier's evidence)."""
    from .rappels import envoyer_rappels

    return sum(envoyer_rappels(frequence="quotidien").values())


@shared_task(name="notifications.envoyer_resumes")
def envoyer_resumes_task() -> int:
    """Beat job (hourly): the daily digest of the users who asked for it, once a day after the set hour."""
    from .rappels import envoyer_resumes

    return envoyer_resumes()
