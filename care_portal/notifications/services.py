"""Sending e-mails: French text + HTML templates, rendered when the transaction commits and sent
by a Celery task (so a slow SMTP server never delays a page, nor reveals by its timing whether an
account exists). The Notifications issue adds the in-app notices and the delivery record on top.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


def envoyer_email(
    destinataires: Iterable[str],
    sujet: str,
    gabarit: str,
    contexte: dict | None = None,
    *,
    copies: Iterable[str] = (),
    apres_commit: bool = True,
    pieces_jointes: Iterable[str] = (),
    si_refus: tuple[str, dict] | None = None,
) -> None:
    """Render ``notifications/emails/<gabarit>.txt`` (and ``.html`` when it exists) and send it.
    ``pieces_jointes``: ids of documents (documents app) attached to the e-mail, read by the task.
    ``si_refus``: (task name, kwargs) run with ``adresses=[…]`` when the mail server refuses recipients
    (a bounce at sending time), so that the sender's app can record it."""
    to = sorted({d for d in destinataires if d})
    if not to:
        return
    cc = sorted({c for c in copies if c and c not in to})
    ctx = {"site_url": settings.SITE_URL, **(contexte or {})}

    def _envoyer() -> None:
        from .tasks import envoyer_email_task

        texte = render_to_string(f"notifications/emails/{gabarit}.txt", ctx)
        try:
            html = render_to_string(f"notifications/emails/{gabarit}.html", ctx)
        except TemplateDoesNotExist:
            html = ""
        envoyer_email_task.delay(to, cc, f"[eCaRE] {sujet}", texte, html, [str(p) for p in pieces_jointes],
                                 list(si_refus) if si_refus else None)

    if apres_commit:
        transaction.on_commit(_envoyer)
    else:
        _envoyer()
