"""The public side and the support of the programme (issue 22).

``QuestionFAQ``: a question and its answer, general or about one objective, published from
``publiee_le`` (none: not published). ``DocumentReference``: a reference document (the arrêté, its
annexes, a guide) whose file is a document of the documents app owned by this row (category
``reference``), published from ``publie_le``. Both are edited by the ANS administrators only (admin.py).

``DemandeAide``: a help request asked from a dossier, routed by its topic to the instructing ARS or to
the ANS, with its thread (``MessageAide``). States (django-fsm-2, protected):

    ouverte → en_cours (an agent answers) → resolue (the agent or the establishment closes it)
    ouverte → resolue (the establishment found its answer)
    resolue → ouverte (the establishment writes again: reopened)

A new message of the establishment on a request « en cours » keeps its state and makes it wait again.

``attente_depuis``: since when the request waits for an answer of the agents (its first message, or the
establishment's first message after the agents' last answer); empty when the agents spoke last or the
request is resolved. The queue shows the waiting time and the reminder reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition


class Destinataire(models.TextChoices):
    ARS = "ars", "l'ARS qui instruit le dossier"
    ANS = "ans", "l'Agence du Numérique en Santé"


class Theme(models.TextChoices):
    CANDIDATURE = "candidature", "Ma candidature (pièces, périmètre, prérequis)"
    DECLARATION = "declaration", "Ma déclaration d'atteinte des objectifs"
    OBJECTIFS = "objectifs", "Comprendre un objectif ou ses preuves"
    CONVENTION = "convention", "La convention et sa signature"
    CONTROLE = "controle", "Les opérations de contrôle"
    PAIEMENT = "paiement", "Le paiement et le montant plafond"
    COMPTE = "compte", "Mon compte et les accès au portail"
    AUTRE = "autre", "Autre question"


# Routing by topic (programme CaRE: « Je sollicite le support mis à disposition par l'ANS et par l'ARS de
# référence »): the ARS checks the completeness of candidatures and declarations, the ANS runs the
# objectives' referential, the conventions, the controls, the payments and the portal.
ROUTAGE: dict[str, str] = {
    Theme.CANDIDATURE: Destinataire.ARS,
    Theme.DECLARATION: Destinataire.ARS,
    Theme.AUTRE: Destinataire.ARS,
    Theme.OBJECTIFS: Destinataire.ANS,
    Theme.CONVENTION: Destinataire.ANS,
    Theme.CONTROLE: Destinataire.ANS,
    Theme.PAIEMENT: Destinataire.ANS,
    Theme.COMPTE: Destinataire.ANS,
}


class QuestionFAQ(models.Model):
    objectif = models.ForeignKey("objectifs.Objectif", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="questions_faq", verbose_name="objectif",
                                 help_text="Vide : question générale sur le programme.")
    question = models.CharField("question", max_length=300)
    reponse = models.TextField("réponse")
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    publiee_le = models.DateTimeField("publiée le", null=True, blank=True,
                                      help_text="Vide : non publiée. Une date future publie la question à cette date.")
    modifiee_le = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "question de la FAQ"
        verbose_name_plural = "FAQ"
        ordering = ["objectif__ordre", "ordre", "pk"]

    def __str__(self) -> str:
        return self.question

    @property
    def publiee(self) -> bool:
        return self.publiee_le is not None and self.publiee_le <= timezone.now()


class DocumentReference(models.Model):
    CATEGORIE_DOCUMENT = "reference"

    titre = models.CharField("titre", max_length=255)
    description = models.TextField("description", blank=True)
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    publie_le = models.DateTimeField("publié le", null=True, blank=True,
                                     help_text="Vide : non publié. Une date future le publie à cette date.")
    modifie_le = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "document de référence"
        verbose_name_plural = "documents de référence"
        ordering = ["ordre", "titre", "pk"]

    def __str__(self) -> str:
        return self.titre


class DemandeAide(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        OUVERTE = "ouverte", "Ouverte"
        EN_COURS = "en_cours", "En cours"
        RESOLUE = "resolue", "Résolue"

    candidature = models.ForeignKey("candidatures.Candidature", on_delete=models.PROTECT,
                                    related_name="demandes_aide", verbose_name="dossier")
    theme = models.CharField("sujet", max_length=20, choices=Theme.choices)
    destinataire = models.CharField("adressée à", max_length=3, choices=Destinataire.choices)
    # the instructing region when the request was asked (the ARS queue reads it)
    region = models.ForeignKey("referentiel.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="région")
    objet = models.CharField("objet", max_length=200)
    etat = FSMField("état", max_length=10, choices=Etat.choices, default=Etat.OUVERTE, protected=True)
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="demandée par")
    cree_le = models.DateTimeField("demandée le", default=timezone.now)
    attente_depuis = models.DateTimeField("en attente d'une réponse depuis", null=True, blank=True)
    premiere_reponse_le = models.DateTimeField("première réponse le", null=True, blank=True)
    resolue_le = models.DateTimeField("résolue le", null=True, blank=True)
    modifiee_le = models.DateTimeField("dernière activité", default=timezone.now)

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-modifiee_le", "-pk"]
        indexes = [models.Index(fields=["destinataire", "region", "etat"]),
                   models.Index(fields=["etat", "attente_depuis"])]

    def __str__(self) -> str:
        return self.objet

    # --- pure transitions: fields only ---------------------------------------------------------
    @transition(field=etat, source=[Etat.OUVERTE, Etat.EN_COURS], target=Etat.EN_COURS, custom={"journal": "prise_en_charge"})
    def prendre_en_charge(self, *, le):
        if self.premiere_reponse_le is None:
            self.premiere_reponse_le = le
        self.attente_depuis = None
        self.modifiee_le = le

    @transition(field=etat, source=[Etat.OUVERTE, Etat.EN_COURS], target=Etat.RESOLUE, custom={"journal": "marquee_resolue"})
    def resoudre(self, *, le):
        self.resolue_le = le
        self.attente_depuis = None
        self.modifiee_le = le

    @transition(field=etat, source=Etat.RESOLUE, target=Etat.OUVERTE, custom={"journal": "rouverte"})
    def rouvrir(self, *, le):
        self.resolue_le = None
        self.attente_depuis = le
        self.modifiee_le = le


class MessageAide(models.Model):
    class Cote(models.TextChoices):
        ES = "es", "l'établissement"
        ARS = "ars", "l'ARS"
        ANS = "ans", "l'ANS"

    demande = models.ForeignKey(DemandeAide, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cote = models.CharField("côté", max_length=3, choices=Cote.choices)
    corps = models.TextField("message")
    cree_le = models.DateTimeField("écrit le", default=timezone.now)

    class Meta:
        verbose_name = "message d'une demande d'aide"
        verbose_name_plural = "messages des demandes d'aide"
        ordering = ["cree_le", "pk"]

    def __str__(self) -> str:
        return f"Message de {self.get_cote_display()} du {self.cree_le:%d/%m/%Y}"
