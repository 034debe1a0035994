from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(name="notifications.envoyer_email", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def envoyer_email_task(to: list[str], cc: list[str], sujet: str, texte: str, html: str = "") -> int:
    message = EmailMultiAlternatives(subject=sujet, body=texte, from_email=settings.DEFAULT_FROM_EMAIL, to=to, cc=cc)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
