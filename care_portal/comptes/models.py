"""Users, their memberships (role + scope) and invitations.

Rattachement (membership) states:
    en_attente → confirme | refuse ;  confirme → revoque
An ES membership points to the structure that carries the candidature (a GHT, or an EJ outside
any GHT); an ARS membership to a region; an ANS membership has no scope. Only a confirmed
membership gives access (django-guardian object permissions granted by the services).

Invitation: a confirmed référent ES invites a DSI, RSSI or signatory; the link expires.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from care_portal.referentiel.models import GHT, EntiteJuridique, EtablissementGeographique, Region

from .roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("email_verifie_le", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse e-mail", unique=True)
    prenom = models.CharField("prénom", max_length=150, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    fonction = models.CharField("fonction", max_length=150, blank=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("date de création", default=timezone.now)
    email_verifie_le = models.DateTimeField("adresse vérifiée le", null=True, blank=True)
    # Set when an ANS admin allows this agent to enrol a TOTP device (totp.enrolement_autoriser);
    # the e-mailed link carries it; cleared once a device is confirmed (one link, one device).
    enrolement_totp_autorise_le = models.DateTimeField("enrôlement TOTP autorisé le", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["nom", "prenom", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.prenom} {self.nom}".strip()

    def get_short_name(self) -> str:
        return self.prenom or self.email


class Rattachement(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente de confirmation"
        CONFIRME = "confirme", "Confirmé"
        REFUSE = "refuse", "Refusé"
        REVOQUE = "revoque", "Révoqué"

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rattachements"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    # ES scope: exactly one of the two (the structure that carries the candidature).
    entite_juridique = models.ForeignKey(
        EntiteJuridique, null=True, blank=True, on_delete=models.PROTECT, related_name="rattachements",
        verbose_name="entité juridique",
    )
    ght = models.ForeignKey(
        GHT, null=True, blank=True, on_delete=models.PROTECT, related_name="rattachements", verbose_name="GHT"
    )
    # The establishment the person picked at sign-up (shown to whoever confirms).
    etablissement_declare = models.ForeignKey(
        EtablissementGeographique, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="établissement déclaré",
    )
    # ARS scope.
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="rattachements",
        verbose_name="région",
    )
    # Derived key of the scope ("ght:12", "ej:5", "region:3", "ans") for the uniqueness constraint,
    # portable where NULLs are distinct in unique indexes (SQLite).
    portee_cle = models.CharField(max_length=30, editable=False)
    etat = FSMField("état", max_length=20, choices=Etat.choices, default=Etat.EN_ATTENTE, protected=True)
    demande_le = models.DateTimeField("demandé le", default=timezone.now)
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="décidé par",
    )
    motif = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "rattachement"
        ordering = ["-demande_le"]
        constraints = [
            models.CheckConstraint(
                name="rattachement_portee_coherente",
                condition=(
                    Q(role__in=sorted(r.value for r in ROLES_ES), region__isnull=True)
                    & (
                        Q(entite_juridique__isnull=False, ght__isnull=True)
                        | Q(entite_juridique__isnull=True, ght__isnull=False)
                    )
                )
                | Q(role__in=sorted(r.value for r in ROLES_ARS), region__isnull=False, entite_juridique__isnull=True,
                    ght__isnull=True)
                | Q(role__in=sorted(r.value for r in ROLES_ANS), region__isnull=True, entite_juridique__isnull=True,
                    ght__isnull=True),
            ),
            # one live membership per person, role and scope
            models.UniqueConstraint(
                fields=["utilisateur", "role", "portee_cle"],
                condition=Q(etat__in=["en_attente", "confirme"]),
                name="rattachement_unique_actif",
            ),
        ]
        indexes = [models.Index(fields=["etat", "role"])]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.get_role_display()} — {self.portee_libelle}"

    def save(self, *args, **kwargs):
        self.portee_cle = self.calculer_portee_cle()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "portee_cle"}
        super().save(*args, **kwargs)

    def calculer_portee_cle(self) -> str:
        if self.ght_id:
            return f"ght:{self.ght_id}"
        if self.entite_juridique_id:
            return f"ej:{self.entite_juridique_id}"
        if self.region_id:
            return f"region:{self.region_id}"
        return "ans"

    @property
    def structure(self):
        return self.ght or self.entite_juridique

    @property
    def portee_libelle(self) -> str:
        if self.ght_id:
            return f"{self.ght.code} – {self.ght.nom}"
        if self.entite_juridique_id:
            return self.entite_juridique.raison_sociale
        if self.region_id:
            return self.region.ars
        return "Agence du Numérique en Santé"

    @property
    def region_de_la_portee(self) -> Region | None:
        if self.ght_id:
            return self.ght.region
        if self.entite_juridique_id:
            return self.entite_juridique.departement.region
        return self.region

    # Pure transitions: fields only (STYLE.md rule 2). Who may decide: services.peut_decider_rattachement.
    @transition(field=etat, source=Etat.EN_ATTENTE, target=Etat.CONFIRME, custom={"journal": "confirme"})
    def confirmer(self, *, par, le):
        self.decide_par, self.decide_le, self.motif = par, le, ""

    @transition(field=etat, source=Etat.EN_ATTENTE, target=Etat.REFUSE, custom={"journal": "refuse"})
    def refuser(self, *, par, le, motif: str):
        self.decide_par, self.decide_le, self.motif = par, le, motif

    @transition(field=etat, source=Etat.CONFIRME, target=Etat.REVOQUE, custom={"journal": "revoque"})
    def revoquer(self, *, par, le, motif: str):
        self.decide_par, self.decide_le, self.motif = par, le, motif


class Invitation(models.Model):
    """An invitation by a confirmed référent ES; the e-mailed link carries a token whose hash is stored."""

    email = models.EmailField("adresse e-mail invitée")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    entite_juridique = models.ForeignKey(EntiteJuridique, null=True, blank=True, on_delete=models.CASCADE)
    ght = models.ForeignKey(GHT, null=True, blank=True, on_delete=models.CASCADE)
    invite_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    jeton_hash = models.CharField(max_length=64, unique=True)
    cree_le = models.DateTimeField(default=timezone.now)
    expire_le = models.DateTimeField("expire le")
    utilisee_le = models.DateTimeField("utilisée le", null=True, blank=True)
    utilisee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "invitation"
        ordering = ["-cree_le"]
        constraints = [
            models.CheckConstraint(
                name="invitation_une_structure",
                condition=Q(entite_juridique__isnull=False, ght__isnull=True)
                | Q(entite_juridique__isnull=True, ght__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.get_role_display()} → {self.email}"

    @property
    def structure(self):
        return self.ght or self.entite_juridique

    def est_valide(self, maintenant=None) -> bool:
        return self.utilisee_le is None and (maintenant or timezone.now()) < self.expire_le
