"""Every notice the portal sends goes through here (issue 10): ``envoyer_email`` records what is sent
(``Envoi``: who, what, when, the dossier, the delivery status) and the in-app notice of each portal
user among the recipients (``Notification``, the header's notification centre), then renders the
French text and HTML templates when the transaction commits and hands them to a Celery task (so a slow
SMTP server never delays a page, nor reveals by its timing whether an account exists). The task
records each failure and retries with an exponential backoff (tasks.py); work the broker or a killed
worker lost is published again from its outbox record (care_portal/core/travaux.py).

The records are written in the caller's transaction: a refused action leaves no trace of a notice
that was never sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from care_portal.core.travaux import confier

from .models import Envoi, Notification, PreferenceNotification

# E-mails that carry a secret (a token, a code) or go to someone who has no space yet: recorded as
# sent, never shown in the notification centre nor their link stored. The daily digest is about the
# centre itself: recorded, not repeated there.
GABARITS_SANS_NOTIFICATION = frozenset({
    "mot_de_passe_reinitialisation", "verification_email", "convention_code", "invitation",
    "inscription_adresse_existante", "resume_quotidien",
})
GABARIT_HTML_COMMUN = "notifications/emails/_mise_en_page.html"


def envoyer_email(
    destinataires: Iterable[str],
    sujet: str,
    gabarit: str,
    contexte: dict | None = None,
    *,
    copies: Iterable[str] = (),
    apres_commit: bool = True,
    pieces_jointes: Iterable[str] = (),
    fichiers: Iterable[tuple[str, str, str]] = (),
    si_refus: tuple[str, dict] | None = None,
    candidature=None,
    lien: str | None = None,
) -> Envoi | None:
    """Record, then render ``notifications/emails/<gabarit>.txt`` and ``.html`` (the common HTML layout
    around the text when the template has no HTML of its own) and send it on commit.

    ``pieces_jointes``: ids of documents (documents app) attached to the e-mail, read by the task.
    ``fichiers``: (name, text, MIME type) attachments made by the portal itself, not documents of a
    dossier (the invitation's iCalendar file).
    ``si_refus``: (task name, kwargs) run with ``adresses=[…]`` when the mail server refuses recipients
    (a bounce at sending time), so that the sender's app can record it.
    ``candidature``: the dossier the notice is about (default: the ``candidature`` of the context, or
    the one of its ``convention``); ``lien``: the page the in-app notice opens (default: the context's
    ``lien_dossier``, else the dossier's page, else the context's ``lien``).
    Returns the ``Envoi`` (None when no address is left)."""
    to = sorted({d for d in destinataires if d})
    if not to:
        return None
    cc = sorted({c for c in copies if c and c not in to})
    ctx = {"site_url": settings.SITE_URL, **(contexte or {})}
    secret = gabarit in GABARITS_SANS_NOTIFICATION
    dossier = candidature if candidature is not None else _dossier_du_contexte(ctx)
    chemin = "" if secret else _chemin(lien if lien is not None else _lien_du_contexte(ctx, dossier))
    envoi = Envoi.objects.create(gabarit=gabarit, sujet=sujet[:300], destinataires=to, copies=cc, lien=chemin,
                                 candidature=dossier)
    if not secret:
        _notifier(envoi, to + cc)
    ctx.setdefault("lien_notification", settings.SITE_URL + chemin if chemin else "")
    sujet_complet = f"[eCaRE] {sujet}"

    # Rendered now, in the caller's transaction, and recorded with the work handed to the worker (the
    # transactional outbox, care_portal/core/travaux.py): an e-mail asked for by a committed action is
    # sent even when the broker was down at that moment.
    from .tasks import envoyer_email_task

    texte, html = rendre(gabarit, {**ctx, "sujet": sujet})
    confier(envoyer_email_task, to, cc, sujet_complet, texte, html, [str(p) for p in pieces_jointes],
            list(si_refus) if si_refus else None, envoi_id=envoi.pk, fichiers=[list(f) for f in fichiers],
            objet=envoi, immediat=not apres_commit)
    return envoi


def rendre(gabarit: str, ctx: dict) -> tuple[str, str]:
    """(text, HTML) of a template: its own ``.html`` if it has one, else the common layout around the text."""
    texte = render_to_string(f"notifications/emails/{gabarit}.txt", ctx)
    try:
        html = render_to_string(f"notifications/emails/{gabarit}.html", ctx)
    except TemplateDoesNotExist:
        html = render_to_string(GABARIT_HTML_COMMUN, {**ctx, "texte": texte})
    return texte, html


def notifier_utilisateurs(utilisateurs: Iterable, sujet: str, gabarit: str, contexte: dict | None = None, *,
                          candidature=None, lien: str | None = None) -> Envoi | None:
    """Notify portal users: by e-mail (one message) and in the centre; a user without an e-mail address
    still gets the in-app notice (recorded without an ``Envoi``)."""
    utilisateurs = list(utilisateurs)
    envoi = envoyer_email([u.email for u in utilisateurs if u.email], sujet, gabarit, contexte,
                          candidature=candidature, lien=lien)
    sans_adresse = [u for u in utilisateurs if not u.email]
    if sans_adresse:
        chemin = envoi.lien if envoi else _chemin(lien if lien is not None else
                                                  _lien_du_contexte(contexte or {}, candidature))
        Notification.objects.bulk_create([
            Notification(destinataire=u, candidature=candidature, gabarit=gabarit, sujet=sujet[:300], lien=chemin)
            for u in sans_adresse
        ])
    return envoi


def _notifier(envoi: Envoi, adresses: list[str]) -> None:
    from care_portal.comptes.models import User

    filtre = Q()
    for adresse in adresses:
        filtre |= Q(email__iexact=adresse)
    utilisateurs = User.objects.filter(filtre, is_active=True).only("pk")
    Notification.objects.bulk_create([
        Notification(destinataire=u, envoi=envoi, candidature=envoi.candidature, gabarit=envoi.gabarit,
                     sujet=envoi.sujet, lien=envoi.lien, cree_le=envoi.cree_le)
        for u in utilisateurs
    ])


def _dossier_du_contexte(ctx: dict):
    """The dossier an e-mail is about: the context's dossier, or the dossier of the stage object it
    carries (a convention, a declaration, a control, a payment: anything with a ``candidature``)."""
    from care_portal.core import etapes

    modele = etapes.modele_dossier()
    c = ctx.get("candidature")
    if isinstance(c, modele):
        return c
    for objet in ctx.values():
        c = getattr(objet, "candidature", None)
        if isinstance(c, modele):
            return c
    return None


def _lien_du_contexte(ctx: dict, dossier) -> str:
    """The page the notice opens: the object the e-mail is about (its ``lien``: the declaration, the
    control, the payment…), else the dossier."""
    if ctx.get("lien_dossier"):
        return ctx["lien_dossier"]
    if ctx.get("lien") and _chemin(ctx["lien"]):
        return ctx["lien"]
    if dossier is not None:
        return reverse("candidatures:detail", args=[dossier.pk])
    return ""


def _chemin(lien: str) -> str:
    """A link of the portal as a path (the centre works on any host name); other sites are not kept."""
    if not lien:
        return ""
    parties = urlsplit(lien)
    if parties.netloc and parties.netloc != urlsplit(settings.SITE_URL).netloc:
        return ""
    chemin = parties.path or "/"
    if parties.query:
        chemin += "?" + parties.query
    if parties.fragment:
        chemin += "#" + parties.fragment
    return chemin[:500]


# --- the notification centre ------------------------------------------------------------------------

def notification_marquer_lue(*, notification: Notification, utilisateur) -> bool:
    """Mark one of the user's notices read (idempotent). False when it is not theirs."""
    n = Notification.objects.filter(pk=notification.pk, destinataire=utilisateur, lue_le__isnull=True) \
        .update(lue_le=timezone.now())
    return bool(n) or Notification.objects.filter(pk=notification.pk, destinataire=utilisateur).exists()


def notifications_marquer_toutes_lues(*, utilisateur) -> int:
    return Notification.objects.filter(destinataire=utilisateur, lue_le__isnull=True).update(lue_le=timezone.now())


def preference_enregistrer(*, utilisateur, resume_quotidien: bool) -> PreferenceNotification:
    pref, _ = PreferenceNotification.objects.update_or_create(
        utilisateur=utilisateur, defaults={"resume_quotidien": resume_quotidien})
    return pref


# --- delivery status (called by the task) -----------------------------------------------------------

def envoi_marquer(envoi_id: int | None, statut: str, *, erreur: str = "", tentative: bool = True) -> None:
    """Record the outcome of one sending attempt."""
    if envoi_id is None:
        return
    champs: dict = {"statut": statut, "modifie_le": timezone.now()}
    if statut == Envoi.Statut.ENVOYE:
        champs["envoye_le"] = timezone.now()
    if erreur:
        champs["derniere_erreur"] = erreur[:2000]
    qs = Envoi.objects.filter(pk=envoi_id)
    if tentative:
        from django.db.models import F

        champs["tentatives"] = F("tentatives") + 1
    qs.update(**champs)
