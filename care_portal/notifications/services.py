"""Sending e-mails: French text + HTML templates, sent after the transaction commits.

The Notifications issue adds the in-app notices and the delivery record on top of this.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def envoyer_email(
    destinataires: Iterable[str],
    sujet: str,
    gabarit: str,
    contexte: dict | None = None,
    *,
    copies: Iterable[str] = (),
    apres_commit: bool = True,
) -> None:
    """Render ``notifications/emails/<gabarit>.txt`` (and ``.html`` when it exists) and send it."""
    to = sorted({d for d in destinataires if d})
    if not to:
        return
    ctx = {"site_url": settings.SITE_URL, **(contexte or {})}

    def _envoyer() -> None:
        texte = render_to_string(f"notifications/emails/{gabarit}.txt", ctx)
        message = EmailMultiAlternatives(
            subject=f"[eCaRE] {sujet}", body=texte, from_email=settings.DEFAULT_FROM_EMAIL, to=to,
            cc=sorted({c for c in copies if c and c not in to}),
        )
        try:
            html = render_to_string(f"notifications/emails/{gabarit}.html", ctx)
        except Exception:  # the HTML version is optional  # noqa: BLE001
            html = None
        if html:
            message.attach_alternative(html, "text/html")
        message.send()

    if apres_commit:
        transaction.on_commit(_envoyer)
    else:
        _envoyer()
