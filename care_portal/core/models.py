"""The portal's platform models. ``Travail``: the transactional outbox (issue 24), see travaux.py."""

import uuid

from django.db import models
from django.utils import timezone


class Travail(models.Model):
    """One piece of work handed to Celery, written in the same transaction as the state change that asks
    for it: if the transaction rolls back, there is no work; if it commits, the work exists even when the
    broker is down, and the catch-up job sends it again until a worker has done it.

        a_envoyer → confie (the broker took it) → fait | echec (the task raised; sent again with backoff)
        a_envoyer → a_envoyer (the broker refused it: sent again by the catch-up job)
        … → abandonne (after CARE_TRAVAUX_ESSAIS_MAX dispatches: shown to the admin, relaunchable)
    """

    class Etat(models.TextChoices):
        A_ENVOYER = "a_envoyer", "En attente du broker"
        CONFIE = "confie", "Confié à un worker"
        FAIT = "fait", "Fait"
        ECHEC = "echec", "Échec, nouvel essai prévu"
        ABANDONNE = "abandonne", "Abandonné"

    id_tache = models.UUIDField("identifiant Celery", default=uuid.uuid4, unique=True, editable=False)
    tache = models.CharField("tâche", max_length=150)
    arguments = models.JSONField("arguments", default=list, blank=True)
    arguments_nommes = models.JSONField("arguments nommés", default=dict, blank=True)
    # the object the work is about ("app_label.model:pk"), to show it and relaunch it from that object's page
    objet = models.CharField("objet", max_length=150, blank=True, default="", db_index=True)
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.A_ENVOYER)
    envois = models.PositiveSmallIntegerField("envois au broker", default=0)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    envoye_le = models.DateTimeField("dernier envoi le", null=True, blank=True)
    prochain_essai_le = models.DateTimeField("prochain essai le", default=timezone.now)
    fait_le = models.DateTimeField("fait le", null=True, blank=True)
    derniere_erreur = models.TextField("dernière erreur", blank=True)

    class Meta:
        verbose_name = "travail confié aux workers"
        verbose_name_plural = "travaux confiés aux workers"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["etat", "prochain_essai_le"], name="travail_etat_echeance")]

    def __str__(self) -> str:
        return f"{self.tache} {self.objet} ({self.get_etat_display()})"

    @property
    def en_souffrance(self) -> bool:
        """Waiting for longer than it should (shown as « en attente de traitement », relaunchable)."""
        from .travaux import en_souffrance

        return en_souffrance(self)
