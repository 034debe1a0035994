"""Demo candidatures (``manage.py seed_demo``, step ``candidatures``, after ``referentiel`` and ``comptes``).

What it builds
--------------
* The demo call ``care-d1-demo`` ("CaRE Domaine 1 — appel de démonstration"), whose windows contain
  the day ``seed_demo`` runs (candidatures from 30 days before to 30 days after; conventions,
  declarations and payments open too), so that the ``make demo`` users can act. A later run whose
  day falls outside its candidature window moves the windows (and says so); otherwise the call is
  left as it is.
* Candidatures in every state across the 18 regions, on the demo referential:
  - the GHT of the demo référent (referent.es@…): a complete draft, ready to be submitted;
  - the clinic of the demo référent (referent.clinique@…): a complement asked by the ARS, with its
    five prerequisite proofs and a message thread — the ES may answer;
  - Nouvelle-Aquitaine and Île-de-France (the regions of the demo ARS agents): dossiers to
    instruct (déposée), one complete, one rejected, one withdrawn, drafts;
  - every other region: two dossiers in states that rotate from region to region.
  Every step goes through the services (creation, draft, perimeter, documents, submission,
  instruction, messages): each dossier has its real timeline, its locked documents and its
  receipts. Each structure's actors are its confirmed référent (a demo account is created when
  there is none: ``referent.<finess or GHT code>@demo.ecare.fr``, no usable password) and its
  region's référent ARS (``ars.<region code>@demo.ecare.fr`` likewise when the demo accounts do
  not cover the region).
* Documents are small real PDFs rendered once by WeasyPrint and reused. Prerequisites: the
  structures are put on the SUN-ES list (through ``sunes_importer_lignes``), except the demo
  clinic's, which gives the five proofs.

Idempotent: a structure that already has a candidature to the demo call is left alone. The choices
(structures, names, bank details) come from ``contexte.rng("candidatures")``; the dates are those of
the run (the services stamp ``now``). E-mails of the seeding are not sent (dummy backend in
process; with a Redis worker they go where the worker sends them).
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.test.utils import override_settings
from django.utils import timezone

from care_portal.comptes.models import Rattachement, User
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import GHT, AppelAFinancement, EntiteJuridique, Region, StatutJuridique

CODE_APPEL = "care-d1-demo"
DOMAINE = "demo.ecare.fr"
REGION_ES = "Nouvelle-Aquitaine"  # the region of the demo ES accounts (care_portal/comptes/demo.py)
REGIONS_ARS = ("Nouvelle-Aquitaine", "Île-de-France")  # the regions of the demo ARS accounts
EMAIL_REFERENT_GHT = f"referent.es@{DOMAINE}"
EMAIL_REFERENT_CLINIQUE = f"referent.clinique@{DOMAINE}"

BROUILLON, BROUILLON_VIDE = "brouillon", "brouillon_vide"
DEPOSEE, COMPLEMENT, COMPLETE, COMPLETE_APRES_COMPLEMENT = "deposee", "complement_demande", "complete", \
    "complete_apres_complement"
REJETEE, RETIREE = "rejetee", "retiree"
#: The two dossiers of each other region, rotating from region to region.
ROTATION = [DEPOSEE, COMPLETE, COMPLEMENT, REJETEE, COMPLETE_APRES_COMPLEMENT, BROUILLON, RETIREE, DEPOSEE,
            COMPLETE, BROUILLON_VIDE]

PRENOMS = ["Camille", "Claire", "Julien", "Nathalie", "Karim", "Sophie", "Mathieu", "Isabelle", "Yann", "Aïcha",
           "Laurent", "Hélène", "Nicolas", "Sandrine", "Pierre", "Élodie", "Franck", "Léa", "Olivier", "Fatou"]
NOMS = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel",
        "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier"]
CENTIME = Decimal("0.01")
BANQUES = ["30006", "30004", "10278", "20041", "11315"]  # Crédit agricole, BNP Paribas, CIC, La Banque postale, CE

MOTIFS_COMPLEMENT = [
    "Le RIB déposé est illisible : merci d'en déposer une version lisible, au nom de l'établissement.",
    "Le signataire indiqué n'est pas le représentant légal : précisez le directeur général et sa délégation.",
    "Le numéro de téléphone du RSSI est manquant dans la pièce jointe : complétez les points de contact.",
]
MOTIF_COMPLEMENT_RSSI = ("Mettez à jour le RSSI dans les points de contact (nom, e-mail, téléphone), puis déposez "
                         "de nouveau la candidature.")
MOTIFS_REJET = [
    "La structure ne relève pas du Domaine 1 : son activité est exclusivement médico-sociale (ESMS).",
    "Candidature en doublon : l'établissement est déjà couvert par la candidature de son GHT.",
]
MOTIFS_RETRAIT = ["Projet reporté à l'appel suivant.", "Candidature déposée par erreur en doublon."]

PIECES = {
    "rib": ("Relevé d'identité bancaire", "rib.pdf"),
    "convention_constitutive": ("Convention constitutive du GHT", "convention-constitutive.pdf"),
    "pssi": ("Politique de sécurité des systèmes d'information", "pssi.pdf"),
    "procedure_incidents": ("Procédure de remontée des incidents de sécurité", "procedure-incidents.pdf"),
    "organigramme_rssi": ("Organigramme de la direction des systèmes d'information", "organigramme.pdf"),
    "attestation_rdv_rssi": ("Attestation des rendez-vous RSSI / direction", "attestation-rdv-rssi.pdf"),
    "attestation_audit_exposition": ("Attestation d'audit d'exposition sur internet", "attestation-audit.pdf"),
}


@cache
def pdf_demo(categorie: str) -> bytes:
    """A small real PDF for ``categorie``, rendered once per process and reused."""
    import weasyprint

    titre, _nom = PIECES[categorie]
    return weasyprint.HTML(string=(
        '<html lang="fr"><body style="font-family: sans-serif">'
        f"<h1>{titre}</h1><p>Document de démonstration du portail eCaRE — sans valeur.</p></body></html>"
    )).write_pdf()


def fichier_demo(categorie: str) -> ContentFile:
    return ContentFile(pdf_demo(categorie), name=PIECES[categorie][1])


# --- the call ---------------------------------------------------------------------------------------------

def appel_demo(aujourd_hui: datetime.date) -> tuple[AppelAFinancement, str]:
    """The demo call, its windows open around ``aujourd_hui`` (created, moved, or left as it is)."""
    jours = datetime.timedelta
    dates = {
        "candidature_debut": aujourd_hui - jours(30), "candidature_fin": aujourd_hui + jours(30),
        "instruction_fin": aujourd_hui + jours(60),
        "convention_debut": aujourd_hui - jours(7), "convention_fin": aujourd_hui + jours(90),
        "declaration_debut": aujourd_hui - jours(7), "declaration_fin": aujourd_hui + jours(365),
        "controle_fin": aujourd_hui + jours(425),
        "paiement_debut": aujourd_hui - jours(7), "paiement_fin": aujourd_hui + jours(480),
    }
    appel = AppelAFinancement.objects.filter(code=CODE_APPEL).first()
    if appel is not None and appel.candidature_debut <= aujourd_hui <= appel.candidature_fin:
        return appel, "inchangé"
    if appel is None:
        appel = AppelAFinancement(
            code=CODE_APPEL, domaine="D1", nom="CaRE Domaine 1 — appel de démonstration",
            enveloppe=Decimal("65000000.00"), delai_signature_jours=5, couts_eligibles_depuis=datetime.date(2023, 1, 1),
            notes="Appel de démonstration (manage.py seed_demo) : ses fenêtres entourent le jour de la "
                  "génération des données. Calendrier et montants fictifs.",
        )
        etat = "créé"
    else:
        etat = "fenêtres déplacées autour d'aujourd'hui"
    for nom, valeur in dates.items():
        setattr(appel, nom, valeur)
    appel.full_clean()
    appel.save()
    return appel, etat


# --- the people -------------------------------------------------------------------------------------------

def _personne(rng: random.Random) -> tuple[str, str]:
    return rng.choice(PRENOMS), rng.choice(NOMS)


def _telephone(rng: random.Random) -> str:
    return f"0{rng.randint(1, 5)} " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))


def _compte(email: str, prenom: str, nom: str, fonction: str) -> User:
    from care_portal.comptes import services as comptes

    user = User.objects.filter(email__iexact=email).first()
    return user or comptes.compte_creer(email=email, password=None, prenom=prenom, nom=nom, fonction=fonction,
                                        email_verifie=True)


def _cle(structure: GHT | EntiteJuridique) -> str:
    return structure.code.lower() if isinstance(structure, GHT) else structure.finess


def referent_de(structure: GHT | EntiteJuridique, rng: random.Random) -> User:
    """The structure's confirmed référent CaRE (the demo account first), or a demo one created for it."""
    from care_portal.comptes import services as comptes

    portee = {"ght": structure} if isinstance(structure, GHT) else {"entite_juridique": structure, "ght": None}
    existant = (Rattachement.objects.filter(role=Role.REFERENT_ES, etat=Rattachement.Etat.CONFIRME, **portee)
                .select_related("utilisateur").order_by("utilisateur__email").first())
    if existant is not None:
        return existant.utilisateur
    prenom, nom = _personne(rng)
    user = _compte(f"referent.{_cle(structure)}@{DOMAINE}", prenom, nom, "Référent CaRE")
    comptes.rattachement_creer_confirme(utilisateur=user, role=Role.REFERENT_ES, acteur=None, structure=structure,
                                        code="comptes.rattachement.cree_pour_la_demo")
    return User.objects.get(pk=user.pk)


def ars_de(region: Region, rng: random.Random) -> User:
    """The region's confirmed référent ARS (a demo account when there is one), or a demo one created."""
    from care_portal.comptes import services as comptes

    existant = (Rattachement.objects.filter(role=Role.REFERENT_ARS, etat=Rattachement.Etat.CONFIRME, region=region)
                .select_related("utilisateur").order_by("utilisateur__email").first())
    if existant is not None:
        return existant.utilisateur
    prenom, nom = _personne(rng)
    user = _compte(f"ars.{region.code}@{DOMAINE}", prenom, nom, f"Référent CaRE de l'{region.ars}")
    comptes.rattachement_creer_confirme(utilisateur=user, role=Role.REFERENT_ARS, acteur=None, region=region,
                                        code="comptes.rattachement.cree_pour_la_demo")
    return User.objects.get(pk=user.pk)


# --- one dossier ------------------------------------------------------------------------------------------

@dataclass
class Plan:
    structure: GHT | EntiteJuridique
    etat: str
    preuves: bool = False  # give the five proofs instead of the SUN-ES list
    messages: bool = False


def _iban(rng: random.Random) -> tuple[str, str]:
    from schwifty import IBAN

    iban = IBAN.generate("FR", bank_code=rng.choice(BANQUES) + f"{rng.randint(0, 99999):05d}",
                         account_code=f"{rng.randint(0, 10**11 - 1):011d}")
    return iban.formatted, str(iban.bic)[:8] if iban.bic else ""


def _remplir(c, referent: User, rng: random.Random, *, partiel: bool = False) -> None:
    from . import services

    cle = _cle(c.structure)
    donnees = {
        "referent_nom": referent.get_full_name(), "referent_email": referent.email,
        "referent_telephone": referent.telephone or _telephone(rng),
    }
    if not partiel:
        iban, bic = _iban(rng)
        (p_dsi, n_dsi), (p_rssi, n_rssi), (p_sig, n_sig) = _personne(rng), _personne(rng), _personne(rng)
        donnees.update({
            "dsi_nom": f"{p_dsi} {n_dsi}", "dsi_email": f"dsi.{cle}@{DOMAINE}", "dsi_telephone": _telephone(rng),
            "rssi_nom": f"{p_rssi} {n_rssi}", "rssi_email": f"rssi.{cle}@{DOMAINE}",
            "rssi_telephone": _telephone(rng),
            "signataire_nom": f"{p_sig} {n_sig}", "signataire_fonction": "Directeur général",
            "signataire_email": f"direction.{cle}@{DOMAINE}",
            "titulaire_compte": c.entite_juridique.raison_sociale[:150], "iban": iban, "bic": bic,
        })
    services.candidature_enregistrer(candidature=c, acteur=referent, donnees=donnees)


def _pieces(c, referent: User, *, preuves: bool) -> None:
    from care_portal.documents import services as documents

    from . import selectors, services

    documents.document_deposer(fichier=fichier_demo("rib"), acteur=referent, proprietaire=c, categorie="rib")
    if c.est_ght:
        documents.document_deposer(fichier=fichier_demo("convention_constitutive"), acteur=referent,
                                   proprietaire=c, categorie="convention_constitutive")
    if not preuves:
        services.sunes_importer_lignes([(ligne.finess, ligne.libelle) for ligne in c.perimetre.all()],
                                       source="démonstration")
        return
    lignes = {ligne.cle: ligne for ligne in c.perimetre.all()}
    for verdict in selectors.prerequis(c).requises:
        for categorie in verdict.preuves_manquantes:
            documents.document_deposer(fichier=fichier_demo(categorie), acteur=referent,
                                       proprietaire=lignes[verdict.structure.cle], categorie=categorie)
        # the attestation certifies an audit of less than 2 years (issue 17): one made 5 months ago
        services.perimetre_dater_audit(ligne=lignes[verdict.structure.cle], acteur=referent,
                                       date_audit=datetime.date.today() - datetime.timedelta(days=150))


def _dossier(plan: Plan, appel: AppelAFinancement, rng: random.Random) -> str:
    """Open the candidature of ``plan.structure`` and walk it to ``plan.etat`` through the services."""
    from care_portal.documents import services as documents

    from . import selectors, services
    from .models import Candidature

    structure = plan.structure
    referent = referent_de(structure, rng)
    c = services.candidature_creer(structure=structure, appel=appel, acteur=referent)
    ars = ars_de(c.region_instructrice, rng)
    if plan.etat == BROUILLON_VIDE:
        _remplir(c, referent, rng, partiel=True)
        return Candidature.Etat.BROUILLON
    _remplir(c, referent, rng)
    if isinstance(structure, GHT) and rng.random() < 0.5:
        autre = c.perimetre.filter(est_support=False).order_by("-activite_combinee", "finess").first()
        if autre is not None:
            services.perimetre_ajuster(
                ligne=autre, acteur=referent, activite=(autre.activite_combinee * Decimal("1.05")).quantize(CENTIME),
                inclus=True, motif="Activité combinée 2023 consolidée avec le PMSI de l'établissement (+5 %).")
    _pieces(c, referent, preuves=plan.preuves)
    if plan.etat == BROUILLON:
        return Candidature.Etat.BROUILLON
    if plan.etat == RETIREE:
        services.candidature_deposer(candidature=c, acteur=referent)
        services.candidature_retirer(candidature=c, acteur=referent, motif=rng.choice(MOTIFS_RETRAIT))
        return Candidature.Etat.RETIREE
    services.candidature_deposer(candidature=c, acteur=referent)
    if plan.messages:
        services.message_envoyer(candidature=c, acteur=referent, corps=(
            "Bonjour, notre RSSI change au 1er du mois prochain : faut-il mettre à jour la candidature "
            "déjà déposée ?"))
        services.message_envoyer(candidature=c, acteur=ars, corps=(
            "Bonjour, oui : je vous demande un complément, vous pourrez alors modifier les points de contact "
            "et redéposer la candidature."))
    if plan.etat in (COMPLEMENT, COMPLETE_APRES_COMPLEMENT):
        if plan.messages:
            motif = MOTIF_COMPLEMENT_RSSI
        elif plan.etat == COMPLETE_APRES_COMPLEMENT:
            motif = MOTIFS_COMPLEMENT[0]  # the RIB: a new version of it answers below
        else:
            motif = rng.choice(MOTIFS_COMPLEMENT)
        services.candidature_demander_complement(candidature=c, acteur=ars, message=motif)
        if plan.etat == COMPLEMENT:
            return Candidature.Etat.COMPLEMENT_DEMANDE
        rib = next(d for d in selectors.documents_de(c) if d.categorie == "rib")
        documents.document_deposer(fichier=fichier_demo("rib"), acteur=referent, proprietaire=c, categorie="rib",
                                   remplace=rib)
        services.candidature_deposer(candidature=c, acteur=referent)
    if plan.etat in (COMPLETE, COMPLETE_APRES_COMPLEMENT):
        services.candidature_declarer_complete(candidature=c, acteur=ars)
        return Candidature.Etat.COMPLETE
    if plan.etat == REJETEE:
        services.candidature_rejeter(candidature=c, acteur=ars, motif=rng.choice(MOTIFS_REJET))
        return Candidature.Etat.REJETEE
    return Candidature.Etat.DEPOSEE


# --- which structures ------------------------------------------------------------------------------------

@dataclass
class Vivier:
    """The candidate structures of a region, in a fixed order (GHT with members in another region first)."""

    ghts: list[GHT] = field(default_factory=list)
    prives: list[EntiteJuridique] = field(default_factory=list)
    publics: list[EntiteJuridique] = field(default_factory=list)

    def prendre(self, genre: str) -> GHT | EntiteJuridique | None:
        ordre = {"ght": [self.ghts, self.prives, self.publics], "prive": [self.prives, self.publics, self.ghts],
                 "public": [self.publics, self.prives, self.ghts]}[genre]
        for liste in ordre:
            if liste:
                return liste.pop(0)
        return None


def _vivier(region: Region, exclus: set[tuple[str, int]], rng: random.Random) -> Vivier:
    ghts = list(
        GHT.objects.filter(region=region, support__isnull=False)
        .annotate(hors=Count("membres", filter=~Q(membres__departement__region=region)))
        .order_by("-hors", "code")
    )
    ejs = EntiteJuridique.objects.filter(departement__region=region, ghts__isnull=True).order_by("finess")
    prives = list(ejs.filter(statut__in=[StatutJuridique.PRIVE_EBNL, StatutJuridique.PRIVE_LUCRATIF]))
    publics = list(ejs.filter(statut=StatutJuridique.PUBLIC))
    rng.shuffle(prives)
    rng.shuffle(publics)
    premiers, autres = ghts[:1], ghts[1:]
    rng.shuffle(autres)
    garder = lambda liste, genre: [s for s in liste if (genre, s.pk) not in exclus]  # noqa: E731
    return Vivier(garder(premiers + autres, "ght"), garder(prives, "ej"), garder(publics, "ej"))


def _structure_du_compte(email: str) -> GHT | EntiteJuridique | None:
    r = (Rattachement.objects.filter(utilisateur__email__iexact=email, role=Role.REFERENT_ES,
                                     etat=Rattachement.Etat.CONFIRME).select_related("ght", "entite_juridique")
         .first())
    return r.structure if r is not None else None


def plans(rng: random.Random) -> list[Plan]:
    """Every demo dossier to open, region by region (regions in code order)."""
    ght_demo = _structure_du_compte(EMAIL_REFERENT_GHT)
    clinique_demo = _structure_du_compte(EMAIL_REFERENT_CLINIQUE)
    exclus = {("ght" if isinstance(s, GHT) else "ej", s.pk) for s in (ght_demo, clinique_demo) if s is not None}
    resultat: list[Plan] = []
    if ght_demo is not None:
        resultat.append(Plan(ght_demo, BROUILLON))
    if clinique_demo is not None:
        resultat.append(Plan(clinique_demo, COMPLEMENT, preuves=True, messages=True))
    rotation = 0
    for region in Region.objects.order_by("code"):
        vivier = _vivier(region, exclus, rng)
        if region.nom in REGIONS_ARS:
            # complete ones too: the later stages (declaration, control, payment) start from them
            voulus = [("ght", DEPOSEE), ("prive", DEPOSEE), ("prive", COMPLETE_APRES_COMPLEMENT),
                      ("public", REJETEE), ("prive", RETIREE), ("prive", BROUILLON_VIDE),
                      ("public", COMPLETE), ("prive", COMPLETE), ("ght", COMPLETE), ("public", COMPLETE),
                      ("prive", COMPLETE)]
            if region.nom != REGION_ES or clinique_demo is None:
                voulus.append(("prive", COMPLEMENT))
        else:
            voulus = [("ght", ROTATION[rotation % len(ROTATION)]), ("prive", ROTATION[(rotation + 1) % len(ROTATION)])]
            rotation += 2
        for genre, etat in voulus:
            structure = vivier.prendre(genre)
            if structure is not None:
                resultat.append(Plan(structure, etat, messages=(etat == COMPLEMENT and region.nom in REGIONS_ARS)))
    return resultat


#: ``seed_demo --national``: the states of the candidatures of the campaign (weights per 1,300).
NATIONAL_CANDIDATURES = 1300
REPARTITION_NATIONALE = {COMPLETE: 1150, COMPLETE_APRES_COMPLEMENT: 50, DEPOSEE: 30, COMPLEMENT: 20, REJETEE: 20,
                         RETIREE: 10, BROUILLON: 15, BROUILLON_VIDE: 5}


def plans_nationaux(rng: random.Random, total: int, deja: list[Plan]) -> list[Plan]:
    """Beyond the demo's own dossiers (``deja``), up to ``total`` in all: every other candidate structure
    of every region (GHT with a support, EJ outside any GHT), in a fixed shuffled order, their states in
    the campaign's proportions (``REPARTITION_NATIONALE``)."""
    from care_portal.referentiel.demo import repartition

    exclus = {("ght" if isinstance(p.structure, GHT) else "ej", p.structure.pk) for p in deja}
    structures: list[GHT | EntiteJuridique] = []
    for region in Region.objects.order_by("code"):
        vivier = _vivier(region, exclus, rng)
        structures += vivier.ghts + vivier.prives + vivier.publics
    rng.shuffle(structures)
    structures = structures[:max(total - len(deja), 0)]
    etats = repartition(len(structures), REPARTITION_NATIONALE, rng)
    return [Plan(s, e) for s, e in zip(structures, etats, strict=True)]


# --- the step ---------------------------------------------------------------------------------------------

LIBELLES_ETATS = {
    "brouillon": "brouillon", "deposee": "déposée", "complement_demande": "complément demandé",
    "complete": "complète", "rejetee": "rejetée", "retiree": "retirée",
}


def creer_candidatures_demo(rng: random.Random, aujourd_hui: datetime.date | None = None, *,
                            national: int | None = None) -> list[str]:
    """Create the demo call and the missing demo candidatures (``national``: up to that many in all, see
    ``plans_nationaux``); return the French summary lines."""
    from .models import Candidature

    if getattr(settings, "PRODUCTION", not settings.DEBUG):
        return ["Candidatures de démonstration : jamais créées en production (DEBUG=0)."]
    aujourd_hui = aujourd_hui or timezone.localdate()
    appel, etat_appel = appel_demo(aujourd_hui)
    lignes = [f"Appel « {appel.nom} » ({appel.code}) {etat_appel} : candidatures du "
              f"{appel.candidature_debut:%d/%m/%Y} au {appel.candidature_fin:%d/%m/%Y}."]
    etats: Counter[str] = Counter()
    deja = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        a_ouvrir = plans(rng)
        if national:
            a_ouvrir += plans_nationaux(rng, national, a_ouvrir)
        for plan in a_ouvrir:
            s = plan.structure
            existe = Candidature.objects.filter(
                appel=appel, **({"ght": s} if isinstance(s, GHT) else {"entite_juridique": s, "ght": None})).exists()
            if existe:
                deja += 1
                continue
            with transaction.atomic():
                etats[_dossier(plan, appel, rng)] += 1
    detail = ", ".join(f"{LIBELLES_ETATS[e]} {n}" for e, n in sorted(etats.items()))
    lignes.append(f"Candidatures de démonstration : {sum(etats.values())} créée(s){f' ({detail})' if detail else ''}"
                  f", {deja} déjà présente(s).")
    if _structure_du_compte(EMAIL_REFERENT_GHT) is None:
        lignes.append("Comptes de démonstration absents : lancez l'étape « comptes » pour que le référent du GHT "
                      "et la clinique de démonstration aient leur candidature.")
    return lignes


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("candidatures", ordre=40)
    def etape_candidatures(contexte: ContexteDemo) -> list[str]:
        """After the referential and the demo accounts: the demo call and its candidatures."""
        return creer_candidatures_demo(contexte.rng("candidatures"), national=contexte.nombre(NATIONAL_CANDIDATURES)
                                       if contexte.national else None)


_enregistrer_etape_seed_demo()
