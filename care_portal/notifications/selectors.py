"""Reads of the notifications: a user's centre (only their own notices), the delivery failures the ANS
admin follows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Envoi, Notification, PreferenceNotification


@dataclass
class Centre:
    non_lues: int
    dernieres: list[Notification]


def notifications_de(user) -> QuerySet[Notification]:
    return Notification.objects.filter(destinataire=user).select_related("envoi").order_by("-cree_le", "-pk")


def centre_de(user, nombre: int = 5) -> Centre:
    non_lues = Notification.objects.filter(destinataire=user, lue_le__isnull=True)
    return Centre(non_lues=non_lues.count(), dernieres=list(non_lues.order_by("-cree_le", "-pk")[:nombre]))


def notification_de(user, pk: int) -> Notification | None:
    """The user's notice ``pk``, None for another user's (the view answers 404)."""
    return Notification.objects.filter(destinataire=user, pk=pk).first()


def resume_quotidien_actif(user) -> bool:
    return PreferenceNotification.objects.filter(utilisateur=user, resume_quotidien=True).exists()


def envois_en_echec() -> QuerySet[Envoi]:
    """E-mails whose delivery failed (being retried, given up, or refused), latest first."""
    return Envoi.objects.filter(statut__in=[Envoi.Statut.NOUVEL_ESSAI, Envoi.Statut.ECHEC, Envoi.Statut.REFUSE]) \
        .order_by("-modifie_le", "-pk")
