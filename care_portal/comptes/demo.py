"""Demo accounts: one confirmed account per role, on the demo referential of ``manage.py seed_demo``.

``creer_comptes_demo()`` is idempotent and deterministic: the same e-mail addresses, structures
and TOTP secrets on every machine, and running it twice changes nothing (an existing account is
left as it is: its password, device and memberships are not reset).

- ES: référent CaRE, DSI, RSSI and signatory of the first GHT (by code) of Nouvelle-Aquitaine, and
  the référent CaRE of the first private EJ outside any GHT (by FINESS number);
- ARS: the référents of Nouvelle-Aquitaine and Île-de-France;
- ANS: controller, secretariat, DG, admin (the admin also gets the Django admin site).

Agents (ARS, ANS) must log in with TOTP: in the demo (settings.CARE_DEMO_TOTP, never in
production) they get a confirmed device whose secret is derived from their e-mail address, so
that ``manage.py comptes_demo`` can print it and ``manage.py code_totp <email>`` the current code.
Refused in production (DEBUG=0): these accounts share a published password.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.referentiel.models import GHT, EntiteJuridique, Region, StatutJuridique
from care_portal.workflow.services import WorkflowError

from . import services
from .models import User
from .roles import ROLES_AGENTS, ROLES_ES, Role
from .totp import appareil_confirme, secret_base32

MOT_DE_PASSE_DEMO = "Demo-eCaRE-2024!"
DOMAINE = "demo.ecare.fr"
NOM_APPAREIL_DEMO = "Application d'authentification (démonstration)"
REGION_GHT = "Nouvelle-Aquitaine"
REGIONS_ARS = ("Nouvelle-Aquitaine", "Île-de-France")


@dataclass(frozen=True)
class Modele:
    """One demo account: who, which role, which scope ("ght", "ej_prive", a region name, or "")."""

    email: str
    prenom: str
    nom: str
    fonction: str
    role: str
    portee: str = ""


MODELES = (
    Modele(f"referent.es@{DOMAINE}", "Claire", "Lefèvre", "Référente CaRE du GHT", Role.REFERENT_ES, "ght"),
    Modele(f"dsi@{DOMAINE}", "Thomas", "Bernard", "Directeur des systèmes d'information", Role.DSI, "ght"),
    Modele(f"rssi@{DOMAINE}", "Sarah", "Moreau", "Responsable de la sécurité des SI", Role.RSSI, "ght"),
    Modele(f"signataire@{DOMAINE}", "Philippe", "Garnier", "Directeur général", Role.SIGNATAIRE_ES, "ght"),
    Modele(f"referent.clinique@{DOMAINE}", "Julie", "Roux", "Référente CaRE de la clinique", Role.REFERENT_ES,
           "ej_prive"),
    Modele(f"referent.ars@{DOMAINE}", "Antoine", "Dubois", "Référent CaRE de l'ARS", Role.REFERENT_ARS,
           "Nouvelle-Aquitaine"),
    Modele(f"referent.ars.idf@{DOMAINE}", "Nadia", "Benali", "Référente CaRE de l'ARS", Role.REFERENT_ARS,
           "Île-de-France"),
    Modele(f"controleur@{DOMAINE}", "Hugo", "Lambert", "Contrôleur", Role.CONTROLEUR_ANS),
    Modele(f"secretariat@{DOMAINE}", "Émilie", "Fontaine", "Secrétariat des paiements", Role.SECRETARIAT_ANS),
    Modele(f"dg@{DOMAINE}", "Olivier", "Mercier", "Directeur général", Role.DG_ANS),
    Modele(f"admin@{DOMAINE}", "Inès", "Faure", "Administratrice du portail", Role.ADMIN_ANS),
)


@dataclass(frozen=True)
class CompteDemo:
    role: str  # label
    portee: str  # structure, region or ANS
    email: str
    mot_de_passe: str
    secret_totp: str  # base32, "" for ES users (or when CARE_DEMO_TOTP is off)
    cree: bool  # created by this run (False: already there, left as it was)


def cle_totp_demo(email: str) -> str:
    """The demo TOTP key of ``email`` (hex, 20 bytes): the same on every machine."""
    return hashlib.sha256(f"ecare-demo-totp:{email.lower()}".encode()).hexdigest()[:40]


def _structures_demo() -> dict[str, object]:
    ght = (GHT.objects.filter(region__nom=REGION_GHT).order_by("code").first()
           or GHT.objects.order_by("code").first())
    prives = EntiteJuridique.objects.filter(
        statut__in=[StatutJuridique.PRIVE_EBNL, StatutJuridique.PRIVE_LUCRATIF], ghts__isnull=True
    ).order_by("finess")
    ej_prive = prives.filter(departement__region__nom=REGION_GHT).first() or prives.first()
    if ght is None or ej_prive is None:
        raise WorkflowError(
            "Le référentiel de démonstration est absent (il faut au moins un GHT et une entité juridique "
            "privée hors GHT) : lancez d'abord « python manage.py seed_demo »."
        )
    return {"ght": ght, "ej_prive": ej_prive, **{r.nom: r for r in Region.objects.filter(nom__in=REGIONS_ARS)}}


def _portee(modele: Modele, structures: dict) -> dict:
    if modele.role in ROLES_ES:
        return {"structure": structures[modele.portee]}
    if modele.portee:
        return {"region": structures[modele.portee]}
    return {}


def _appareil_demo(user: User) -> TOTPDevice:
    device = appareil_confirme(user)
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=NOM_APPAREIL_DEMO, key=cle_totp_demo(user.email),
                                           confirmed=True)
    return device


def creer_comptes_demo() -> list[CompteDemo]:
    """Create the missing demo accounts (idempotent); return all of them, in the order of MODELES."""
    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        raise WorkflowError("Les comptes de démonstration ne sont jamais créés en production (DEBUG=0).")
    structures = _structures_demo()
    comptes = []
    with transaction.atomic():
        for m in MODELES:
            user = User.objects.filter(email__iexact=m.email).first()
            cree = user is None
            if cree:
                user = services.compte_creer(email=m.email, password=MOT_DE_PASSE_DEMO, prenom=m.prenom, nom=m.nom,
                                             fonction=m.fonction, email_verifie=True)
            if m.role == Role.ADMIN_ANS and not (user.is_staff and user.is_superuser):
                # The Django admin site (referential, users): the admin_ans group holds no model permission.
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            r = services.rattachement_creer_confirme(utilisateur=user, role=m.role, acteur=None,
                                                     code="comptes.rattachement.cree_pour_la_demo", **_portee(m, structures))
            secret = ""
            if m.role in ROLES_AGENTS and settings.CARE_DEMO_TOTP:
                secret = secret_base32(_appareil_demo(user))
            comptes.append(CompteDemo(role=Role(m.role).label, portee=r.portee_libelle, email=m.email,
                                      mot_de_passe=MOT_DE_PASSE_DEMO, secret_totp=secret, cree=cree))
    return comptes


PRENOMS_ETAPES = ("Camille", "Dominique", "Alix", "Sacha", "Maxime", "Charlie")


def dossiers_par_etape() -> dict[str, tuple[int, object]]:
    """One demo dossier per stage of the lifecycle (the stage registry classifies them, one query):
    stage code → (dossier id, its structure). A paid dossier is preferred for the last stage."""
    from care_portal.core import etapes

    lookups = etapes.champs()
    choisis: dict[str, tuple[int, object, str]] = {}
    modele = etapes.modele_dossier()
    for pk, ght_id, ej_id, *valeurs in (modele.objects.order_by("pk")
                                        .values_list("pk", "ght", "entite_juridique", *lookups)):
        code, libelle = etapes.classer(dict(zip(lookups, valeurs, strict=True)))
        actuel = choisis.get(code)
        fini = etapes.suivante(code) is None and str(libelle) == "Financement versé"
        if actuel is None or (fini and actuel[2] != "Financement versé"):
            choisis[code] = (pk, ("ght", ght_id) if ght_id else ("ej", ej_id), str(libelle))
    structures = {}
    for code, (pk, (genre, sid), _libelle) in choisis.items():
        structures[code] = (pk, GHT.objects.get(pk=sid) if genre == "ght" else EntiteJuridique.objects.get(pk=sid))
    return structures


def creer_comptes_par_etape() -> list[CompteDemo]:
    """A référent CaRE per stage, on the structure of a demo dossier at that stage, so that a newcomer
    logs in as an establishment and sees every step (none until the stages' demo data exist; idempotent:
    an existing account keeps its structure)."""
    from care_portal.core import etapes

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        raise WorkflowError("Les comptes de démonstration ne sont jamais créés en production (DEBUG=0).")
    comptes = []
    par_etape = dossiers_par_etape()
    for i, e in enumerate(etapes.etapes()):
        if e.code not in par_etape:
            continue
        _pk, structure = par_etape[e.code]
        email = f"es.{e.code}@{DOMAINE}"
        user = User.objects.filter(email__iexact=email).first()
        cree = user is None
        if cree:
            user = services.compte_creer(email=email, password=MOT_DE_PASSE_DEMO, prenom=PRENOMS_ETAPES[i % 6],
                                         nom=f"Étape {i + 1}", fonction=f"Référent CaRE (dossier à l'étape « {e.libelle} »)",
                                         email_verifie=True)
        existant = user.rattachements.filter(role=Role.REFERENT_ES).first()
        r = existant or services.rattachement_creer_confirme(utilisateur=user, role=Role.REFERENT_ES, acteur=None,
                                                             code="comptes.rattachement.cree_pour_la_demo", structure=structure)
        comptes.append(CompteDemo(role=f"Référent CaRE — étape {i + 1} : {e.libelle.split()[0]}",
                                  portee=r.portee_libelle, email=email, mot_de_passe=MOT_DE_PASSE_DEMO,
                                  secret_totp="", cree=cree))
    return comptes


# --- the seed_demo step ------------------------------------------------------------------------------

def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("comptes", ordre=20)
    def etape_comptes(contexte: ContexteDemo) -> list[str]:
        """After the referential: the demo accounts (their identifiers are printed by comptes_demo)."""
        if getattr(settings, "PRODUCTION", not settings.DEBUG):
            return ["Comptes de démonstration : jamais créés en production (DEBUG=0)."]
        try:
            comptes = creer_comptes_demo()
        except WorkflowError as exc:
            raise ValueError(exc.message) from exc
        nouveaux = sum(c.cree for c in comptes)
        return [f"Comptes de démonstration : {nouveaux} créé(s), {len(comptes) - nouveaux} déjà présent(s) ; "
                "identifiants : python manage.py comptes_demo"]

    @enregistrer_etape("comptes_etapes", ordre=90)
    def etape_comptes_etapes(contexte: ContexteDemo) -> list[str]:
        """After every stage: a référent CaRE on a dossier at each stage of the lifecycle."""
        if getattr(settings, "PRODUCTION", not settings.DEBUG):
            return ["Comptes par étape : jamais créés en production (DEBUG=0)."]
        comptes = creer_comptes_par_etape()
        return [f"Comptes de démonstration par étape du parcours : {len(comptes)} "
                f"({sum(c.cree for c in comptes)} créé(s)) ; identifiants : python manage.py comptes_demo"]


_enregistrer_etape_seed_demo()
