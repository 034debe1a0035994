"""The append-only log of every transition: the dossier's timeline and the audit trail (STYLE.md rule 5).

A row is written by ``run_transition`` (or ``journaliser`` for a logged action that is not a
state change) inside the service's transaction. It is never updated nor deleted: the model
refuses it, and on PostgreSQL a trigger refuses it too (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from .ajout_seul import AjoutSeul


class JournalImmuable(Exception):
    pass


class TransitionLog(AjoutSeul):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    objet = GenericForeignKey("content_type", "object_id")
    code = models.CharField("action", max_length=120)  # e.g. candidatures.candidature.deposee
    etat_source = models.CharField("état de départ", max_length=40, blank=True)
    etat_cible = models.CharField("état d'arrivée", max_length=40, blank=True)
    acteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="acteur",
    )  # null = the system (a scheduled job)
    motif = models.TextField("motif", blank=True)
    donnees = models.JSONField("données", default=dict, blank=True, encoder=DjangoJSONEncoder)
    cree_le = models.DateTimeField("date", default=timezone.now, db_index=True)

    exception_ajout_seul = JournalImmuable
    message_modification = "Le journal est en ajout seul : une entrée ne se modifie pas."
    message_suppression = "Le journal est en ajout seul : une entrée ne se supprime pas."

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des transitions"
        ordering = ["cree_le", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "cree_le"])]

    def __str__(self) -> str:
        return f"{self.cree_le:%d/%m/%Y %H:%M} {self.code}"

