from __future__ import annotations

import smtplib

from celery import current_app, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(name="notifications.envoyer_email", autoretry_for=(OSError,), dont_autoretry_for=(smtplib.SMTPRecipientsRefused,),
             retry_backoff=30, max_retries=5)
def envoyer_email_task(to: list[str], cc: list[str], sujet: str, texte: str, html: str = "",
                       pieces_jointes: list[str] | None = None, si_refus: list | None = None) -> int:
    message = EmailMultiAlternatives(subject=sujet, body=texte, from_email=settings.DEFAULT_FROM_EMAIL, to=to, cc=cc)
    if html:
        message.attach_alternative(html, "text/html")
    for document_id in pieces_jointes or ():
        _joindre(message, document_id)
    try:
        return message.send()
    except smtplib.SMTPRecipientsRefused as refus:
        # A refused address will not be accepted on a retry: tell the sender's app and stop.
        if not si_refus:
            raise
        nom, kwargs = si_refus
        current_app.tasks[nom].delay(**kwargs, adresses=sorted(refus.recipients))
        return 0


def _joindre(message: EmailMultiAlternatives, document_id: str) -> None:
    """Attach a document's bytes (the portal's own generated documents: a signed convention)."""
    from django.core.files.storage import default_storage

    from care_portal.documents.models import Document

    document = Document.objects.get(pk=document_id)
    with default_storage.open(document.cle_stockage, "rb") as f:
        message.attach(document.nom_original, f.read(), document.type_mime)
