"""The ANS control of a complete declaration (issue "ANS control operations and the signed attestation").

Control states (django-fsm-2, protected; every arrow is a service in services.py, logged):
    a_planifier → planifie (a controller ANS sets the modality, date, place or link and the assigned
                            controllers; the ES contacts get an invitation with an ICS file)
    planifie → planifie (re-planned by an assigned controller: same ICS UID, SEQUENCE + 1)
    planifie → en_cours (an assigned controller starts the control, on or after its planned day: the day
                         it starts is the day it took place, ``date_tenue``)
    en_cours → informations_demandees (the controller asks the ES for more information)
    informations_demandees → en_cours (the ES answers, with documents)
    en_cours → objectifs_atteints (only once the control took place; every applicable objective checked,
                                   none non conforme: the signed
                                   attestation and the control report are generated, on commit)
    en_cours → objectifs_non_atteints (at least one objective non conforme, with its comment as the
                                       motive: the control report is generated, on commit)

``Controle``: one per complete declaration (OneToOne), opened by ``declaration_declarer_complete`` (through
``controle_ouvrir``; ``controles_creer_a_planifier`` backfills).
``VerdictObjectif``: one row per applicable objective (from the declaration's frozen ``Instantane``),
the controller's verdict (empty until checked) and comment, next to the rules engine's frozen verdict.
``PieceControle``: the attestation and the report PDFs (documents of the control), unique per
(control, kind): what makes their task idempotent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from declarations.models import Declaration


class Modalite(models.TextChoices):
    VISIO = "visio", "Visioconférence"
    SUR_SITE = "sur_site", "Sur site"


class Verdict(models.TextChoices):
    CONFORME = "conforme", "Conforme"
    NON_CONFORME = "non_conforme", "Non conforme"
    RESERVE = "reserve", "Conforme avec réserve"


class Controle(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        A_PLANIFIER = "a_planifier", "À planifier"
        PLANIFIE = "planifie", "Planifié"
        EN_COURS = "en_cours", "En cours"
        INFORMATIONS_DEMANDEES = "informations_demandees", "Informations demandées"
        OBJECTIFS_ATTEINTS = "objectifs_atteints", "Objectifs atteints"
        OBJECTIFS_NON_ATTEINTS = "objectifs_non_atteints", "Objectifs non atteints"

    ETATS_CLOS = (Etat.OBJECTIFS_ATTEINTS, Etat.OBJECTIFS_NON_ATTEINTS)

    declaration = models.OneToOneField(Declaration, on_delete=models.PROTECT, related_name="controle")
    etat = FSMField("état", max_length=30, choices=Etat.choices, default=Etat.A_PLANIFIER, protected=True)
    controleurs = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="controles_assignes", blank=True,
                                         verbose_name="contrôleurs assignés")
    modalite = models.CharField("modalité", max_length=10, choices=Modalite.choices, blank=True)
    date_prevue = models.DateTimeField("date prévue", null=True, blank=True)
    duree_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=120)
    lieu = models.CharField("lieu ou lien de la réunion", max_length=500, blank=True)
    uid = models.UUIDField("identifiant de l'invitation (ICS)", default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField("version de l'invitation (ICS SEQUENCE)", default=0)
    demande = models.TextField("dernière demande d'informations", blank=True)
    reponse = models.TextField("dernière réponse de l'établissement", blank=True)
    motif = models.TextField("motif de non-atteinte", blank=True)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    planifie_le = models.DateTimeField("planifié le", null=True, blank=True)
    commence_le = models.DateTimeField("commencé le", null=True, blank=True)
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    decide_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="décidé par")

    class Meta:
        verbose_name = "contrôle"
        verbose_name_plural = "contrôles"
        ordering = ["date_prevue", "pk"]
        indexes = [models.Index(fields=["etat", "date_prevue"])]

    def __str__(self) -> str:
        return f"Contrôle {self.declaration.candidature.structure_libelle}"

    @property
    def clos(self) -> bool:
        return self.etat in self.ETATS_CLOS

    @property
    def date_tenue(self):
        """The day the control took place (Europe/Paris): the day it started, never before its planned day
        (a control started early, before that rule, counts as held on its planned day). None until started."""
        if self.commence_le is None:
            return None
        jour = timezone.localdate(self.commence_le)
        return max(jour, timezone.localdate(self.date_prevue)) if self.date_prevue else jour

    # --- pure transitions: fields only ---------------------------------------------------------
    def _fixer(self, *, modalite: str, date_prevue, lieu: str, duree_minutes: int, le) -> None:
        self.modalite, self.date_prevue, self.lieu, self.duree_minutes = modalite, date_prevue, lieu, duree_minutes
        self.planifie_le = le

    @transition(field=etat, source=Etat.A_PLANIFIER, target=Etat.PLANIFIE, custom={"journal": "planifie"})
    def planifier(self, *, modalite: str, date_prevue, lieu: str, duree_minutes: int, le):
        self._fixer(modalite=modalite, date_prevue=date_prevue, lieu=lieu, duree_minutes=duree_minutes, le=le)

    @transition(field=etat, source=Etat.PLANIFIE, target=Etat.PLANIFIE, custom={"journal": "replanifie"})
    def replanifier(self, *, modalite: str, date_prevue, lieu: str, duree_minutes: int, le):
        self.sequence += 1  # the same UID with a higher SEQUENCE: calendars update the event
        self._fixer(modalite=modalite, date_prevue=date_prevue, lieu=lieu, duree_minutes=duree_minutes, le=le)

    @transition(field=etat, source=Etat.PLANIFIE, target=Etat.EN_COURS, custom={"journal": "commence"})
    def commencer(self, *, le):
        self.commence_le = le

    @transition(field=etat, source=Etat.EN_COURS, target=Etat.INFORMATIONS_DEMANDEES, custom={"journal": "informations_demandees"})
    def demander_informations(self, *, message: str):
        self.demande = message

    @transition(field=etat, source=Etat.INFORMATIONS_DEMANDEES, target=Etat.EN_COURS, custom={"journal": "reponse_recue"})
    def repondre(self, *, message: str):
        self.reponse = message

    @transition(field=etat, source=Etat.EN_COURS, target=Etat.OBJECTIFS_ATTEINTS, custom={"journal": "atteinte_validee"})
    def valider_atteinte(self, *, le, par):
        self.decide_le, self.decide_par, self.motif = le, par, ""

    @transition(field=etat, source=Etat.EN_COURS, target=Etat.OBJECTIFS_NON_ATTEINTS, custom={"journal": "non_atteinte_constatee"})
    def constater_non_atteinte(self, *, le, par, motif: str):
        self.decide_le, self.decide_par, self.motif = le, par, motif


class VerdictObjectif(models.Model):
    controle = models.ForeignKey(Controle, on_delete=models.CASCADE, related_name="verdicts")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    code = models.CharField("objectif", max_length=20)
    titre = models.CharField("intitulé", max_length=255)
    statut_moteur = models.CharField("verdict du moteur de règles (au dépôt)", max_length=20)
    raisons_moteur = models.JSONField("raisons du moteur de règles", default=list, blank=True)
    verdict = models.CharField("verdict du contrôleur", max_length=20, choices=Verdict.choices, blank=True)
    commentaire = models.TextField("commentaire", blank=True)
    modifie_le = models.DateTimeField("vérifié le", null=True, blank=True)
    modifie_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="vérifié par")

    class Meta:
        verbose_name = "verdict par objectif"
        verbose_name_plural = "verdicts par objectif"
        ordering = ["controle", "ordre", "code"]
        constraints = [models.UniqueConstraint(fields=["controle", "code"], name="controle_verdict_unique_objectif")]

    def __str__(self) -> str:
        return f"{self.code} : {self.get_verdict_display() or 'non vérifié'}"


class PieceControle(models.Model):
    class Genre(models.TextChoices):
        ATTESTATION = "attestation", "Attestation d'atteinte des objectifs"
        RAPPORT = "rapport", "Rapport de contrôle"

    controle = models.ForeignKey(Controle, on_delete=models.PROTECT, related_name="pieces")
    genre = models.CharField("pièce", max_length=20, choices=Genre.choices)
    document = models.OneToOneField("documents.Document", on_delete=models.PROTECT, related_name="+")
    genere_le = models.DateTimeField("générée le", default=timezone.now)

    class Meta:
        verbose_name = "pièce du contrôle"
        verbose_name_plural = "pièces des contrôles"
        ordering = ["controle", "genre"]
        constraints = [models.UniqueConstraint(fields=["controle", "genre"], name="controle_piece_unique_genre")]

    def __str__(self) -> str:
        return self.get_genre_display()
