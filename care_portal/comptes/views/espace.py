"""Role homes: each user lands on the page of their role (issue 3, item 7).

    ES (référent, DSI, RSSI, signataire) → espace_es      their structure: perimeter, colleagues, next steps
    ARS (référent)                       → file_ars       their region's queue
    ANS (contrôleur, secrétariat, DG)    → vue_nationale  national counts
    ANS admin                            → espace_admin   referential, users, memberships
    no confirmed membership              → en_attente     their pending requests; no dossier

A user with several roles lands on the first space by priority admin > ANS > ARS > ES; the
others are in the navigation and linked from the page. Each view declares its roles with
``roles_requis`` (access.py); what a page lists comes from the user's own memberships.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.core import etapes, exports
from care_portal.notifications import selectors as notifications_selectors
from care_portal.notifications import tableaux
from care_portal.referentiel import selectors as referentiel_selectors
from care_portal.referentiel.models import GHT, EntiteJuridique, Region
from care_portal.workflow.services import WorkflowError

from .. import totp
from ..access import roles_requis
from ..models import Rattachement, User
from ..roles import ROLES_AGENTS, ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from ..selectors import Habilitations, habilitations, obtenir_ou_404, rattachements_a_decider, regions_pour

# Order in which a user's roles are shown and their home chosen.
PRIORITE_ROLES = (
    Role.ADMIN_ANS, Role.DG_ANS, Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS,
    Role.REFERENT_ARS,
    Role.REFERENT_ES, Role.SIGNATAIRE_ES, Role.DSI, Role.RSSI,
)
ETABLISSEMENTS_AFFICHES = 50  # an EJ's sites listed on the ES home; the rest is counted
AGENTS_AFFICHES = 50  # agents without a second factor listed on the admin home


@dataclass(frozen=True)
class Espace:
    url_name: str  # in the comptes namespace
    libelle: str
    roles: frozenset[str]

    @property
    def url(self) -> str:
        return reverse(f"comptes:{self.url_name}")


ESPACES = (
    Espace("espace_admin", "Administration", frozenset({Role.ADMIN_ANS})),
    Espace("vue_nationale", "Vue nationale", frozenset(ROLES_ANS)),
    Espace("file_ars", "File régionale", frozenset(ROLES_ARS)),
    Espace("espace_es", "Mon établissement", frozenset(ROLES_ES)),
)


def espaces_de(h: Habilitations) -> list[Espace]:
    """The role homes ``h`` opens, by priority."""
    return [e for e in ESPACES if h.roles & e.roles]


def espace_principal(h: Habilitations) -> Espace | None:
    espaces = espaces_de(h)
    return espaces[0] if espaces else None


def rattachements_par_priorite(h: Habilitations) -> list[Rattachement]:
    """The confirmed memberships, the main one (the header's role and scope) first."""
    rang = {role: i for i, role in enumerate(PRIORITE_ROLES)}
    return sorted(h.rattachements, key=lambda r: (rang.get(r.role, len(rang)), r.portee_libelle))


def _contexte(request: HttpRequest, courant: str, **contexte) -> dict:
    """What every role home shows besides its own content: the user's other spaces."""
    h = habilitations(request.user)
    return {"autres_espaces": [e for e in espaces_de(h) if e.url_name != courant], **contexte}


# --- the landing redirect -------------------------------------------------------------------------

@login_required
@never_cache
@require_GET
def accueil_role(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: send each user to the home of their main role."""
    espace = espace_principal(habilitations(request.user))
    return redirect(espace.url if espace else reverse("comptes:en_attente"))


# --- ES ---------------------------------------------------------------------------------------------

def _portee(structure) -> Q:
    return Q(ght=structure) if isinstance(structure, GHT) else Q(entite_juridique=structure)


def _structure_es(user: User, structure, roles: list[str], a_decider: list[Rattachement]) -> dict:
    """What the ES home shows of one structure: perimeter, colleagues, what to do next."""
    if isinstance(structure, GHT):
        region = structure.region
        membres = list(
            structure.membres.select_related("departement")
            .annotate(nb_etablissements=Count("etablissements")).order_by("raison_sociale")
        )
        etablissements, nb_etablissements = [], sum(m.nb_etablissements for m in membres)
    else:
        region = structure.departement.region
        membres = []
        qs = structure.etablissements.select_related("departement").order_by("raison_sociale")
        nb_etablissements = qs.count()
        etablissements = list(qs[:ETABLISSEMENTS_AFFICHES])
    collegues = list(
        Rattachement.objects.filter(_portee(structure), role__in=ROLES_ES,
                                    etat__in=[Rattachement.Etat.CONFIRME, Rattachement.Etat.EN_ATTENTE])
        .select_related("utilisateur").order_by("etat", "role", "utilisateur__nom", "utilisateur__prenom")
    )
    referent = Role.REFERENT_ES in roles
    roles_confirmes = {c.role for c in collegues if c.etat == Rattachement.Etat.CONFIRME}
    manquants = [r for r in (Role.REFERENT_ES, Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES) if r not in roles_confirmes]
    return {
        "structure": structure,
        "est_ght": isinstance(structure, GHT),
        "region": region,
        "roles": [Role(r).label for r in roles],
        "est_referent": referent,
        "membres": membres,
        "etablissements": etablissements,
        "nb_etablissements": nb_etablissements,
        "etablissements_non_affiches": max(0, nb_etablissements - len(etablissements)) if not membres else 0,
        "collegues": [{"rattachement": c, "est_moi": c.utilisateur_id == user.pk} for c in collegues],
        "roles_manquants": [Role(r).label for r in manquants],
        "a_decider": [r for r in a_decider if r.structure == structure] if referent else [],
    }


@never_cache
@require_GET
@roles_requis(*ROLES_ES)
def espace_es(request: HttpRequest) -> HttpResponse:
    h = habilitations(request.user)
    roles_par_structure: dict[tuple[str, int], tuple[object, list[str]]] = {}
    for r in rattachements_par_priorite(h):
        if r.role in ROLES_ES:
            cle = ("ght", r.ght_id) if r.ght_id else ("ej", r.entite_juridique_id)
            roles_par_structure.setdefault(cle, (r.structure, []))[1].append(r.role)
    a_decider = list(rattachements_a_decider(request.user).filter(role__in=ROLES_ES)) \
        if Role.REFERENT_ES in h.roles else []
    structures = [_structure_es(request.user, s, roles, a_decider) for s, roles in roles_par_structure.values()]
    suivis = _suivis_par_structure(h)
    for s in structures:
        cle = ("ght", s["structure"].pk) if s["est_ght"] else ("ej", s["structure"].pk)
        s["suivis"] = suivis.get(cle, [])
        nommes = _contacts_nommes([suivi["candidature"] for suivi in s["suivis"]])
        s["roles_manquants"] = [r for r in s["roles_manquants"] if r not in nommes]
    appel = referentiel_selectors.appel_courant()
    aujourd_hui = timezone.localdate()
    return render(request, "comptes/espace_es.html", _contexte(
        request, "espace_es", title="Mon établissement", structures=structures,
        demandes_en_attente=[r for r in h.en_attente if r.role in ROLES_ES],
        appel=appel, appel_ouvert=bool(appel and appel.candidature_debut <= aujourd_hui <= appel.candidature_fin),
    ))


CONTACTS_DU_DOSSIER = {Role.REFERENT_ES: "referent_email", Role.DSI: "dsi_email", Role.RSSI: "rssi_email",
                       Role.SIGNATAIRE_ES: "signataire_email"}


def _contacts_nommes(dossiers: list) -> set[str]:
    """Labels of the contact roles that the structure's dossiers already name (an e-mail entered in the
    candidature): the home no longer lists them as missing."""
    return {Role(role).label for role, champ in CONTACTS_DU_DOSSIER.items()
            if any(getattr(c, champ, "") for c in dossiers)}


def _suivis_par_structure(h: Habilitations) -> dict[tuple[str, int], list[dict]]:
    """Where each candidature of the user's structures stands (the ES stepper)."""
    ght_ids, ej_ids = set(h.ght_ids), set(h.ej_ids)
    if not ght_ids and not ej_ids:
        return {}
    qs = (etapes.modele_dossier().objects.filter(Q(ght__in=ght_ids) | Q(ght__isnull=True, entite_juridique__in=ej_ids))
          .select_related("appel", "convention").order_by("-appel__candidature_debut", "pk"))
    suivis: dict[tuple[str, int], list[dict]] = {}
    for c in qs:
        cle = ("ght", c.ght_id) if c.ght_id else ("ej", c.entite_juridique_id)
        suivis.setdefault(cle, []).append(suivi_du_dossier(c))
    return suivis


def suivi_du_dossier(c) -> dict:
    """The DSFR stepper of one dossier, from the stage registry: current step (1-based) of the lifecycle,
    what it means now, the page of that step and what comes next. A dossier ended without financing
    (rejected, withdrawn, not reached) has no stepper (``clos``); a paid one shows the last step done."""
    situation = etapes.situer(c)
    liste = etapes.etapes()
    numero = etapes.numero(situation.etape)
    suivante = liste[numero].libelle if numero < len(liste) and not situation.fini else ""
    return {
        "candidature": c, "appel": c.appel, "numero": numero, "total": len(liste),
        "titre": liste[numero - 1].libelle, "etat": situation.texte, "etat_court": situation.etat,
        "lien": situation.lien, "suivante": suivante, "clos": situation.clos, "fini": situation.fini,
    }


# --- ARS --------------------------------------------------------------------------------------------

def _region_id(r: Rattachement) -> int | None:
    region = r.region_de_la_portee
    return region.pk if region else None


@never_cache
@require_GET
@roles_requis(Role.REFERENT_ARS)
def file_ars(request: HttpRequest) -> HttpResponse:
    h = habilitations(request.user)
    regions = sorted(regions_pour(request.user).filter(pk__in=h.region_ids), key=lambda r: ordre_alphabetique(r.nom))
    en_attente = [r for r in rattachements_a_decider(request.user).filter(role__in=ROLES_ES).order_by("demande_le")
                  if _region_id(r) in h.region_ids]
    par_region = Counter(_region_id(r) for r in en_attente)
    ids = [r.pk for r in regions]
    nb_ej = dict(EntiteJuridique.objects.filter(departement__region__in=ids)
                 .values_list("departement__region").annotate(n=Count("pk")))
    nb_ght = dict(GHT.objects.filter(region__in=ids).values_list("region").annotate(n=Count("pk")))
    lignes = []
    suivies = _structures_suivies_par_region(ids)
    for region in regions:
        lignes.append({
            "region": region, "en_attente": par_region.get(region.pk, 0), "nb_ej": nb_ej.get(region.pk, 0),
            "nb_ght": nb_ght.get(region.pk, 0), "structures_suivies": suivies.get(region.pk, 0),
        })
    dossiers = _dossiers_des_regions(ids)
    comptes = tableaux.compter(dossiers)
    for ligne in lignes:
        c = comptes.par_region.get(ligne["region"].pk, Counter())
        ligne["dossiers"] = c["total"]
        ligne["etapes"] = [c.get(code, 0) for code, _ in tableaux.etapes_ordonnees()]
    return render(request, "comptes/espace_ars.html", _contexte(
        request, "file_ars", title="File régionale", lignes=lignes, plusieurs_regions=len(regions) > 1,
        nb_en_attente=len(en_attente), premiers_en_attente=en_attente[:5],
        appel=referentiel_selectors.appel_courant(), comptes=comptes, etapes=tableaux.etapes_ordonnees(),
        retards=tableaux.en_retard(dossiers, portee="region"), raccourcis=_raccourcis(request),
    ))


def _dossiers_des_regions(region_ids):
    return etapes.modele_dossier().objects.filter(region_instructrice__in=region_ids)


def _raccourcis(request: HttpRequest) -> list[dict]:
    """The work queues of the user's roles (the menu's entries registered by the stages), as links on
    the home page: each queue is one click away."""
    h = habilitations(request.user)
    return [{"libelle": e.libelle, "url": e.url()} for e in etapes.entrees(h)]


def _structures_suivies_par_region(region_ids=None) -> Counter:
    """Number of structures (GHT or EJ) with at least one confirmed ES member, per region id."""
    qs = Rattachement.objects.filter(role__in=ROLES_ES, etat=Rattachement.Etat.CONFIRME)
    if region_ids is not None:
        qs = qs.filter(Q(ght__region__in=region_ids) | Q(entite_juridique__departement__region__in=region_ids))
    compte = Counter()
    for ght_region, ej_region, _cle in qs.values_list(
        "ght__region", "entite_juridique__departement__region", "portee_cle"
    ).distinct():
        compte[ght_region or ej_region] += 1
    return compte


# --- ANS ----------------------------------------------------------------------------------------------

def ordre_alphabetique(texte: str) -> str:
    """French alphabetical order whatever the database's collation: « Île-de-France » among the I."""
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()


def _par_region(qs, champ: str) -> dict[int, int]:
    return dict(qs.values_list(champ).annotate(n=Count("pk")).values_list(champ, "n"))


@never_cache
@require_GET
@roles_requis(*ROLES_ANS)
def vue_nationale(request: HttpRequest) -> HttpResponse:
    rattachements = Rattachement.objects.all()
    confirmes = rattachements.filter(etat=Rattachement.Etat.CONFIRME)
    en_attente = rattachements.filter(etat=Rattachement.Etat.EN_ATTENTE, role__in=ROLES_ES)
    nb_ej = _par_region(EntiteJuridique.objects.all(), "departement__region")
    nb_ght = _par_region(GHT.objects.all(), "region")
    nb_ars = _par_region(confirmes.filter(role__in=ROLES_ARS), "region")
    attente = Counter(_par_region(en_attente.filter(ght__isnull=False), "ght__region"))
    attente.update(_par_region(en_attente.filter(entite_juridique__isnull=False),
                               "entite_juridique__departement__region"))
    suivies = _structures_suivies_par_region()
    lignes = [
        {"region": region, "nb_ej": nb_ej.get(region.pk, 0), "nb_ght": nb_ght.get(region.pk, 0),
         "referents_ars": nb_ars.get(region.pk, 0), "structures_suivies": suivies.get(region.pk, 0),
         "en_attente": attente.get(region.pk, 0)}
        for region in sorted(Region.objects.all(), key=lambda r: ordre_alphabetique(r.nom))
    ]
    familles = Counter()
    for role, n in confirmes.values_list("role").annotate(n=Count("pk")).values_list("role", "n"):
        familles["es" if role in ROLES_ES else "ars" if role in ROLES_ARS else "ans"] += n
    dossiers = etapes.modele_dossier().objects.all()
    comptes_dossiers = tableaux.compter(dossiers)
    regions = [ligne["region"] for ligne in lignes]
    for ligne in lignes:
        c = comptes_dossiers.par_region.get(ligne["region"].pk, Counter())
        ligne["dossiers"] = c["total"]
        ligne["etapes"] = [c.get(code, 0) for code, _ in tableaux.etapes_ordonnees()]
    return render(request, "comptes/espace_ans.html", _contexte(
        request, "vue_nationale", title="Vue nationale", lignes=lignes,
        dossiers=comptes_dossiers, etapes=tableaux.etapes_ordonnees(),
        graphique=tableaux.graphique_regions(regions, comptes_dossiers),
        retards=tableaux.en_retard(dossiers, portee="national"), raccourcis=_raccourcis(request),
        referentiel={**referentiel_selectors.compter_referentiel(), "nb_regions": len(lignes)},
        comptes={"es": familles["es"], "ars": familles["ars"], "ans": familles["ans"],
                 "en_attente": en_attente.count(), "structures_suivies": sum(suivies.values())},
        appel=referentiel_selectors.appel_courant(),
    ))


@never_cache
@require_GET
@roles_requis(Role.ADMIN_ANS)
def espace_admin(request: HttpRequest) -> HttpResponse:
    a_decider = rattachements_a_decider(request.user).order_by("demande_le", "pk")
    agents = User.objects.filter(rattachements__role__in=ROLES_AGENTS,
                                 rattachements__etat=Rattachement.Etat.CONFIRME, is_active=True).distinct()
    avec_2fa = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    agents_sans_2fa = agents.exclude(pk__in=avec_2fa)
    utilisateurs = User.objects.filter(is_active=True)
    echecs = notifications_selectors.envois_en_echec()
    return render(request, "comptes/espace_admin.html", _contexte(
        request, "espace_admin", title="Administration",
        nb_a_decider=a_decider.count(), premiers_a_decider=list(a_decider[:5]),
        comptes={
            "actifs": utilisateurs.count(),
            "email_non_verifie": utilisateurs.filter(email_verifie_le__isnull=True).count(),
            "sans_rattachement": utilisateurs.exclude(rattachements__etat=Rattachement.Etat.CONFIRME).count(),
            "agents": agents.count(), "agents_sans_2fa": agents_sans_2fa.count(),
        },
        referentiel=referentiel_selectors.compter_referentiel(),
        appel=referentiel_selectors.appel_courant(),
        acces_admin_django=request.user.is_staff,
        agents_a_activer=list(agents_sans_2fa.order_by("nom", "prenom", "email")[:AGENTS_AFFICHES]),
        envois_en_echec={"nombre": echecs.count(), "derniers": list(echecs[:10])},
    ))


@never_cache
@require_POST
@roles_requis(Role.ADMIN_ANS)
def totp_enrolement_autoriser(request: HttpRequest, pk: int) -> HttpResponse:
    """An ANS admin allows an agent to enrol a (new) TOTP device: their devices are removed and an
    activation link e-mailed (totp.enrolement_autoriser)."""
    agent = obtenir_ou_404(User.objects.filter(is_active=True), pk=pk)
    try:
        totp.enrolement_autoriser(utilisateur=agent, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Un lien d'activation de la double authentification a été envoyé à {agent.email}. "
                                  f"Il est valable {settings.CARE_ENROLEMENT_TOTP_HEURES} heures.")
    return redirect("comptes:espace_admin")


# --- exports of the dashboards ------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(Role.REFERENT_ARS, *ROLES_ANS)
def exporter_dossiers(request: HttpRequest, portee: str, format: str) -> HttpResponse:
    """The dossiers of the ARS's regions (``region``) or of the whole country (``national``, ANS), with
    their stage and state, as CSV (streamed, UTF-8 with BOM for spreadsheet software) or XLSX; through
    the export helper, which neutralises formula-looking names."""
    h = habilitations(request.user)
    if format not in ("csv", "xlsx"):
        raise Http404
    if portee == "region":
        if not h.est_ars:
            raise PermissionDenied
        qs = _dossiers_des_regions(list(h.region_ids))
    elif portee == "national":
        if not h.est_ans:
            raise PermissionDenied
        qs = etapes.modele_dossier().objects.all()
    else:
        raise Http404
    nom = f"ecare-dossiers-{portee}-{timezone.localdate():%Y-%m-%d}.{format}"
    lignes = tableaux.lignes_export(qs)
    if format == "csv":
        return exports.reponse_csv(tableaux.COLONNES_EXPORT, lignes, nom=nom)
    return exports.reponse_xlsx(tableaux.COLONNES_EXPORT, lignes, nom=nom, feuille="Dossiers")


# --- no confirmed membership yet ----------------------------------------------------------------------

@login_required
@never_cache
@require_GET
def en_attente(request: HttpRequest) -> HttpResponse:
    """A logged-in user without a confirmed membership: their requests and what happens next."""
    h = habilitations(request.user)
    if h.roles:
        return redirect("comptes:accueil_role")
    decides = (
        Rattachement.objects.filter(utilisateur=request.user,
                                    etat__in=[Rattachement.Etat.REFUSE, Rattachement.Etat.REVOQUE])
        .select_related("ght", "entite_juridique", "region").order_by("-decide_le")[:5]
    )
    return render(request, "comptes/en_attente.html", {
        "title": "Votre compte est en attente", "demandes": list(h.en_attente), "decisions": list(decides),
    })
