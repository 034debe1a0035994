"""What the portal told whom, and when (issue 10).

``Envoi``: one e-mail message (its recipients, subject, template, the dossier it concerns) and its
delivery status, updated by the sending task:

    en_attente → en_cours (just before the SMTP call) → envoye
    en_attente → nouvel_essai (the mail server failed; retried with an exponential backoff) → envoye | echec
    en_attente → refuse (the server refused a recipient: a retry would not help)

``Notification``: the in-app notice of one portal user (the notification centre), tied to the
``Envoi`` that carried it by e-mail (none when the user has no address to write to). Read once
``lue_le`` is set. E-mails that carry a secret (password reset, verification, signing code,
invitation) have an ``Envoi`` but no in-app notice.

``Rappel``: a deadline reminder, once per dossier, kind, target and due date: the unique constraint is
what makes the beat jobs idempotent (a re-run, a catch-up after a missed day, two workers at once).

``PreferenceNotification`` / ``Resume``: the optional daily digest of a user, at most one per day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Envoi(models.Model):
    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente d'envoi"
        EN_COURS = "en_cours", "Envoi en cours"
        ENVOYE = "envoye", "Envoyé"
        NOUVEL_ESSAI = "nouvel_essai", "Échec, nouvel essai prévu"
        ECHEC = "echec", "Échec définitif"
        REFUSE = "refuse", "Adresse refusée"

    gabarit = models.CharField("gabarit", max_length=100)
    sujet = models.CharField("sujet", max_length=300)
    destinataires = models.JSONField("destinataires", default=list)
    copies = models.JSONField("copies", default=list, blank=True)
    lien = models.CharField("lien", max_length=500, blank=True)  # path in the portal, no host
    candidature = models.ForeignKey("candidatures.Candidature", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="envois", verbose_name="dossier")
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.EN_ATTENTE)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    derniere_erreur = models.TextField("dernière erreur", blank=True)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "envoi d'e-mail"
        verbose_name_plural = "envois d'e-mails"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["statut", "cree_le"]), models.Index(fields=["candidature", "cree_le"])]

    def __str__(self) -> str:
        return f"{self.sujet} ({self.get_statut_display()})"

    @property
    def en_echec(self) -> bool:
        return self.statut in (self.Statut.NOUVEL_ESSAI, self.Statut.ECHEC, self.Statut.REFUSE)


class Notification(models.Model):
    destinataire = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="notifications", verbose_name="destinataire")
    envoi = models.ForeignKey(Envoi, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    candidature = models.ForeignKey("candidatures.Candidature", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="dossier")
    gabarit = models.CharField("gabarit", max_length=100)
    sujet = models.CharField("sujet", max_length=300)
    lien = models.CharField("lien", max_length=500, blank=True)
    cree_le = models.DateTimeField("créée le", default=timezone.now)
    lue_le = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["destinataire", "lue_le", "cree_le"])]

    def __str__(self) -> str:
        return self.sujet

    @property
    def statut_envoi(self) -> str:
        """The delivery status shown to the user: the e-mail's, or why there was none."""
        if self.envoi_id is None:
            return "Sans e-mail (aucune adresse)"
        return self.envoi.get_statut_display()


def valider_genre_rappel(valeur: str) -> None:
    """A reminder kind is a code registered by a stage app (care_portal.core.etapes), not a fixed list:
    a new reminder needs no migration of the core."""
    from django.core.exceptions import ValidationError

    from care_portal.core import etapes

    if valeur not in etapes.codes_rappels():
        raise ValidationError(f"Genre de rappel inconnu : {valeur}")


class Rappel(models.Model):
    candidature = models.ForeignKey("candidatures.Candidature", on_delete=models.PROTECT, related_name="rappels",
                                    verbose_name="dossier")
    genre = models.CharField("genre", max_length=30, validators=[valider_genre_rappel])
    # what the reminder is about inside the dossier: an AD, a perimeter line, a convention's sending, a
    # milestone ("j2"); empty when the dossier itself is the target
    cible = models.CharField("cible", max_length=100, blank=True, default="")
    echeance = models.DateField("échéance")
    envoi = models.ForeignKey(Envoi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cree_le = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "rappel"
        ordering = ["-cree_le"]
        constraints = [models.UniqueConstraint(fields=["candidature", "genre", "cible", "echeance"],
                                               name="rappel_unique_dossier_genre_cible_echeance")]

    def __str__(self) -> str:
        return f"{self.libelle_genre} — échéance {self.echeance:%d/%m/%Y}"

    @property
    def libelle_genre(self) -> str:
        from care_portal.core import etapes

        try:
            return etapes.rappel(self.genre).libelle
        except etapes.EtapeInconnue:
            return self.genre


class PreferenceNotification(models.Model):
    utilisateur = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                       related_name="preference_notification")
    resume_quotidien = models.BooleanField("recevoir un résumé quotidien par e-mail", default=False)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self) -> str:
        return f"Préférences de {self.utilisateur}"


class Resume(models.Model):
    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    jour = models.DateField("jour")
    nombre = models.PositiveIntegerField("notifications résumées", default=0)
    envoi = models.ForeignKey(Envoi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "résumé quotidien"
        verbose_name_plural = "résumés quotidiens"
        constraints = [models.UniqueConstraint(fields=["utilisateur", "jour"], name="resume_unique_jour")]

    def __str__(self) -> str:
        return f"Résumé du {self.jour:%d/%m/%Y}"
