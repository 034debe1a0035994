"""Every write on conventions (STYLE.md): creation when a candidature becomes complete (its amount
from the ceiling grid, conventions.plafonds), the ANS's lowering of the amount and sending, the
signing by the establishment's signatory and the countersigning by the DG ANS (native one-time-code signature sealed with the platform certificate, or Yousign), expiry, and
sending again. Each service: atomic → lock → check the actor → transition → log → on-commit effects.
Refusals raise WorkflowError with a French message."""

from __future__ import annotations

import datetime
import hmac
import logging
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from candidatures import selectors
from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from care_portal.comptes.services import a_role_confirme
from care_portal.core import etapes, format_fr, travaux
from care_portal.core.travaux import confier
from care_portal.documents import fabrique
from care_portal.documents.models import Document
from care_portal.notifications.services import envoyer_email
from care_portal.signature import base as signature
from care_portal.signature import pades
from care_portal.signature.natif import ETAPE_DEMANDE, PadesNatif
from care_portal.workflow.services import WorkflowError, journaliser, run_transition

from . import plafonds
from .models import (
    CodeSignature,
    Convention,
    ElementContresignature,
    LotContresignature,
    RappelFournisseur,
)

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CATEGORIE_CONVENTION = "convention"  # the generated PDF, with its empty signature fields
CATEGORIE_SIGNEE_ES = "convention_signee_es"  # signed by the establishment (native)
CATEGORIE_SIGNEE = "convention_signee"  # signed and countersigned: the final document
CATEGORIES = (CATEGORIE_CONVENTION, CATEGORIE_SIGNEE_ES, CATEGORIE_SIGNEE)
# The signing links already e-mailed carry this salt: it keeps its name from before the move (issue 15).
SEL_JETON = "candidatures.convention.signature"
ROLES_PREPARATION = (Role.ADMIN_ANS, Role.SECRETARIAT_ANS)  # lower the amount, send
ROLES_RENVOI_ANS = (Role.ADMIN_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS)
PLAFOND_MAX = Decimal("10000000.00")
DELAI_ENTRE_CODES = datetime.timedelta(seconds=60)


class CodeTropTot(WorkflowError):
    """A code was asked again within ``DELAI_ENTRE_CODES``: not an error, a wait (``secondes``)."""

    def __init__(self, secondes: int):
        super().__init__(f"Un code vient de vous être envoyé : vous pourrez en demander un nouveau dans "
                         f"{format_fr.pluriel(secondes, 'seconde')}. Utilisez celui que vous avez reçu.",
                         code="trop_tot")
        self.secondes = secondes


# --- derived data ------------------------------------------------------------------------------

def echeance_de(envoyee_le: datetime.datetime, jours: int) -> datetime.datetime:
    """The signing deadline: ``jours`` days after the sending on the Paris wall clock (a sending at
    10:00 the day before a daylight-saving change expires at 10:00, not 09:00 or 11:00)."""
    local = timezone.localtime(envoyee_le, PARIS)
    naive = local.replace(tzinfo=None) + datetime.timedelta(days=jours)
    return naive.replace(tzinfo=PARIS).astimezone(datetime.UTC)


def numero_pour(c: Candidature) -> str:
    annee = c.appel.candidature_debut.year
    return f"{c.appel.domaine}-{annee}-{c.pk:05d}"


def jeton_signature(convention: Convention) -> str:
    """The signing link's token: the convention and its sending, signed by the portal (a link of an
    earlier sending stops working when the convention is sent again)."""
    return signing.dumps({"c": convention.pk, "e": convention.envoi}, salt=SEL_JETON)


def lien_signature(convention: Convention) -> str:
    return settings.SITE_URL + reverse("conventions:signer", args=[jeton_signature(convention)])


def lien_dossier(convention: Convention) -> str:
    return settings.SITE_URL + reverse("candidatures:detail", args=[convention.candidature_id])


def peut_preparer(user) -> bool:
    return a_role_confirme(user, ROLES_PREPARATION)


def peut_renvoyer(user, convention: Convention) -> bool:
    return (a_role_confirme(user, ROLES_RENVOI_ANS)
            or a_role_confirme(user, [Role.REFERENT_ARS], region=convention.candidature.region_instructrice))


def peut_contresigner(user) -> bool:
    return a_role_confirme(user, [Role.DG_ANS])


def fournisseur_tiers() -> signature.Fournisseur | None:
    """The third-party provider configured (Yousign: its webhooks reach the portal); None with the
    portal's native signature."""
    if settings.SIGNATURE_FOURNISSEUR == "yousign":
        from care_portal.signature.yousign import FournisseurYousign

        return FournisseurYousign.depuis_settings()
    return None


def fournisseur(convention: Convention) -> signature.Fournisseur:
    """The configured provider, for ``convention``: Yousign, or the portal's native signature (which
    keeps the PDF versions as the convention's documents)."""
    return fournisseur_tiers() or natif(convention)


def natif(convention: Convention) -> PadesNatif:
    return PadesNatif(DepotConvention(convention))


class DepotConvention:
    """The native provider's depot for one convention: its PDF versions are the convention's
    documents (the generated PDF, signed by the establishment, signed and countersigned). A
    convention sealed before its reference was stored (reference "") answers to "" too."""

    CATEGORIES_PAR_ETAPE = {ETAPE_DEMANDE: (CATEGORIE_CONVENTION, ""), "es": (CATEGORIE_SIGNEE_ES, "-signee-etablissement"),
                            "ans": (CATEGORIE_SIGNEE, "-signee")}

    def __init__(self, convention: Convention) -> None:
        self.convention = convention
        self.document: Document | None = None  # the version kept last

    def _verifier(self, reference: str) -> None:
        attendue = self.convention.reference_fournisseur
        if attendue and reference != attendue:
            raise KeyError(reference)

    def enregistrer(self, reference: str, pdf: bytes, *, etape: str, expire_le: datetime.date | None = None) -> None:
        """The sending's prepared PDF is the generated document (the deadline is stored by the sending's
        transition): kept again only if preparing it changed its bytes. A signature is a new version."""
        categorie, suffixe = self.CATEGORIES_PAR_ETAPE[etape]
        if etape == ETAPE_DEMANDE:
            courant = document_courant(self.convention, categorie)
            if courant is not None and courant.sha256 == pades.empreinte(pdf):
                self.document = courant
                return
        else:
            self._verifier(reference)
        self.document = _deposer_version(self.convention, pdf, categorie, suffixe)

    def _document(self) -> Document | None:
        cv = self.convention
        if cv.etat == Convention.Etat.SIGNEE:
            return document_courant(cv, CATEGORIE_SIGNEE)
        if cv.etat == Convention.Etat.SIGNEE_ES:
            return document_courant(cv, CATEGORIE_SIGNEE_ES)
        return document_courant(cv, CATEGORIE_CONVENTION)

    def pdf(self, reference: str) -> bytes:
        self._verifier(reference)
        document = self._document()
        if document is None:
            raise KeyError(reference)
        return _lire(document)

    def expire_le(self, reference: str) -> datetime.date | None:
        self._verifier(reference)
        echeance = self.convention.echeance
        return None if echeance is None else timezone.localtime(echeance, PARIS).date()


def document_courant(convention: Convention, categorie: str) -> Document | None:
    return (Document.objects.du_proprietaire(convention, categorie).courants()
            .order_by("-depose_le").first())


def _lire(document: Document) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(document.cle_stockage, "rb") as f:
        return f.read()


def _verrouiller(convention: Convention) -> Convention:
    return Convention.objects.select_for_update(of=("self",)).select_related(
        "candidature__appel", "candidature__region_instructrice", "candidature__entite_juridique",
        "candidature__ght").get(pk=convention.pk)


def _destinataires_es(c: Candidature) -> tuple[list[str], list[str]]:
    """The signatory, and in copy the référent CaRE, the RSSI, the DSI (DESIGN.md §3)."""
    return [c.signataire_email], [c.referent_email, c.rssi_email, c.dsi_email]


def _emails_dg() -> list[str]:
    return selectors._emails(role=Role.DG_ANS)


# --- creation and sending ------------------------------------------------------------------------

def _euros(montant: Decimal) -> str:
    """« 40 000,00 € » (plain spaces as thousands separators)."""
    return f"{montant.quantize(Decimal('0.01')):,.2f}".replace(",", " ").replace(".", ",") + " €"


def _appliquer_plafond(cv: Convention, jour: datetime.date | None = None) -> plafonds.PlafondConvention:
    """Read the ceiling of the grid row in force for the structure and store it on ``cv`` (not saved):
    ceiling, amount (= the ceiling), grid version and row. Nothing is stored when no row applies."""
    resultat = plafonds.plafond_pour(cv.candidature, jour)
    if resultat.trouve:
        cv.plafond = cv.montant = resultat.montant
        cv.motif_montant = ""
        cv.grille_version, cv.grille_ligne = resultat.grille_version, resultat.ligne_id
        cv.origine_plafond = resultat.origine()
    return resultat


CHAMPS_PLAFOND = ["plafond", "montant", "motif_montant", "grille_version", "grille_ligne", "origine_plafond"]


def convention_creer(*, candidature: Candidature) -> Convention:
    """The convention of a complete candidature (idempotent), its amount taken from the ceiling grid
    row in force for the structure (no row: no amount yet, the sending retries). Called by the service
    that declares the candidature complete, in its transaction."""
    if candidature.etat != Candidature.Etat.COMPLETE:
        raise WorkflowError("Une convention n'est établie que pour une candidature complète.", code="etat")
    convention, cree = Convention.objects.get_or_create(
        candidature=candidature, defaults={"numero": numero_pour(candidature)})
    if cree:
        resultat = _appliquer_plafond(convention)
        if resultat.trouve:
            convention.save(update_fields=CHAMPS_PLAFOND)
        journaliser(convention, "conventions.convention.creee", acteur=None,
                    donnees={"candidature": candidature.pk, "numero": convention.numero,
                             "plafond": None if convention.plafond is None else str(convention.plafond),
                             "grille_version": convention.grille_version, "grille_ligne": convention.grille_ligne,
                             "sans_plafond": resultat.erreur})
    return convention


def lire_montant(valeur) -> Decimal:
    """An amount typed in French (« 40 000,00 », « 40000 », « 40 000 € ») → Decimal, or a French refusal."""
    texte = str(valeur or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    texte = texte.removesuffix("€")
    try:
        montant = Decimal(texte)
    except (InvalidOperation, ValueError):
        raise WorkflowError("Le montant doit être un nombre d'euros, par exemple 40000 ou 40 000,00.",
                            code="montant") from None
    if not montant.is_finite() or montant <= 0:
        raise WorkflowError("Le montant doit être positif.", code="montant")
    if montant > PLAFOND_MAX:
        raise WorkflowError("Le montant dépasse 10 millions d'euros : vérifiez la saisie.", code="montant")
    if montant != montant.quantize(Decimal("0.01")):
        raise WorkflowError("Le montant a au plus deux décimales.", code="montant")
    return montant.quantize(Decimal("0.01"))


def _exiger_plafond(cv: Convention) -> None:
    """A convention without a ceiling (no grid row applied at its creation) tries the grid again;
    still none → refused with the reason."""
    if cv.plafond is not None:
        return
    resultat = _appliquer_plafond(cv)
    if not resultat.trouve:
        raise WorkflowError(f"{resultat.erreur} La convention ne peut pas être envoyée sans montant.",
                            code="plafond")
    cv.save(update_fields=CHAMPS_PLAFOND)
    journaliser(cv, "conventions.convention.plafond_calcule", acteur=None,
                donnees={"plafond": str(cv.plafond), "grille_version": cv.grille_version,
                         "grille_ligne": cv.grille_ligne})


def _fixer_montant(cv: Convention, *, acteur, montant, motif: str) -> bool:
    """Set the amount of a locked, unsent convention: at most its ceiling, a motive when lower.
    Returns whether it changed (and then logs it)."""
    valeur = lire_montant(montant)
    motif = (motif or "").strip()
    if valeur > cv.plafond:
        raise WorkflowError(
            f"Le montant demandé ({_euros(valeur)}) dépasse le plafond de la matrice pour cette structure "
            f"({_euros(cv.plafond)}, matrice v{cv.grille_version}) : l'ANS peut abaisser le montant, jamais "
            "le relever au-dessus du plafond.", code="montant")
    if valeur < cv.plafond and not motif:
        raise WorkflowError("Indiquez le motif de la baisse du montant sous le plafond de la matrice.",
                            code="motif")
    if valeur == cv.plafond:
        motif = ""
    if valeur == cv.montant and motif == cv.motif_montant:
        return False
    avant = cv.montant
    cv.montant, cv.motif_montant = valeur, motif
    cv.save(update_fields=["montant", "motif_montant"])
    journaliser(cv, "conventions.convention.montant_modifie", acteur=acteur, motif=motif,
                donnees={"avant": None if avant is None else str(avant), "montant": str(valeur),
                         "plafond": str(cv.plafond), "grille_version": cv.grille_version})
    return True


def _exiger_preparation(cv: Convention, acteur) -> None:
    if not peut_preparer(acteur):
        raise WorkflowError("Seuls l'administration et le secrétariat de l'ANS fixent le montant et envoient les "
                            "conventions.", code="droit")
    if cv.etat != Convention.Etat.A_GENERER:
        raise WorkflowError("Cette convention a déjà été envoyée : son montant ne change plus.", code="etat")
    if cv.envoi_demande_le is not None and not cv.erreur_envoi:
        raise WorkflowError("L'envoi de cette convention est déjà en cours.", code="etat")


def convention_fixer_montant(*, convention: Convention, acteur, montant, motif: str = "") -> Convention:
    """The ANS lowers the amount of an unsent convention under its ceiling (motive mandatory, logged),
    or puts it back to the ceiling. Never above the ceiling."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        _exiger_preparation(cv, acteur)
        _exiger_plafond(cv)
        _fixer_montant(cv, acteur=acteur, montant=montant, motif=motif)
    return cv


def convention_envoyer(*, convention: Convention, acteur, montant=None, motif: str = "") -> Convention:
    """The ANS checks the amount (the grid's ceiling, or lower with a motive) and asks for the sending:
    on commit the PDF is generated and sent to the signatory (task ``conventions.envoyer``).
    Refused while no grid row gives the structure a ceiling."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        _exiger_preparation(cv, acteur)
        c = cv.candidature
        if not (c.signataire_email and c.signataire_nom):
            raise WorkflowError("Le signataire de la convention (nom et e-mail) manque au dossier.", code="signataire")
        _exiger_plafond(cv)
        if montant not in (None, ""):
            _fixer_montant(cv, acteur=acteur, montant=montant, motif=motif)
        cv.envoi_demande_le = timezone.now()
        cv.save(update_fields=["envoi_demande_le"])
        journaliser(cv, "conventions.convention.envoi_demande", acteur=acteur,
                    donnees={"montant": str(cv.montant), "plafond": str(cv.plafond),
                             "grille_version": cv.grille_version})
        _planifier_envoi(cv)
    return cv


def convention_renvoyer(*, convention: Convention, acteur) -> Convention:
    """The ARS or the ANS sends an expired (or locked) convention again, with a new deadline."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        if not peut_renvoyer(acteur, cv):
            raise WorkflowError("Seules l'ARS instructrice et l'ANS peuvent renvoyer la convention.", code="droit")
        if not cv.peut_etre_renvoyee():
            raise WorkflowError("Seule une convention expirée, ou dont la signature est bloquée, peut être renvoyée.",
                                code="etat")
        cv.envoi_demande_le = timezone.now()
        cv.save(update_fields=["envoi_demande_le"])
        journaliser(cv, "conventions.convention.renvoi_demande", acteur=acteur)
        _planifier_envoi(cv)
    return cv


def convention_relancer_envoi(*, convention: Convention, acteur) -> Convention:
    """After a failed sending (the provider was unreachable), try again."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        if not (peut_preparer(acteur) or peut_renvoyer(acteur, cv)):
            raise WorkflowError("Vous ne pouvez pas relancer l'envoi de cette convention.", code="droit")
        if cv.envoi_demande_le is None:
            raise WorkflowError("Aucun envoi en échec à relancer.", code="etat")
        en_attente = travaux.en_attente(cv)
        if not cv.erreur_envoi and not en_attente:
            raise WorkflowError("Aucun envoi en échec à relancer.", code="etat")
        journaliser(cv, "conventions.convention.envoi_relance", acteur=acteur,
                    donnees={"en_attente_de_traitement": len(en_attente)})
        if en_attente and not cv.erreur_envoi:
            # the sending waits in the outbox (broker down, worker lost): the same work, published now
            travaux.relancer(cv, acteur=acteur)
        else:
            _planifier_envoi(cv)
    return cv


def _planifier_envoi(cv: Convention) -> None:
    from .tasks import envoyer_convention_task

    confier(envoyer_convention_task, cv.pk, objet=cv)


def _generer_pdf(convention_id: int) -> Document:
    """The convention's PDF (generated once; a sending again reuses it)."""
    from . import pdf as convention_pdf

    cv = Convention.objects.select_related("candidature__appel", "candidature__entite_juridique",
                                           "candidature__region_instructrice", "candidature__ght").get(pk=convention_id)

    def lier(verrou: Convention, document: Document) -> None:
        journaliser(verrou, "conventions.convention.generee", acteur=None,
                    donnees={"document": str(document.pk), "sha256": document.sha256, "taille": document.taille})

    return fabrique.fabriquer(cv, CATEGORIE_CONVENTION, lambda: convention_pdf.rendre_pdf(cv),
                              nom=convention_pdf.nom_du_fichier,
                              existant=lambda v: document_courant(v, CATEGORIE_CONVENTION),
                              lier=lier, verrouiller=_verrouiller)


def envoyer(convention_id: int) -> str:
    """The sending task's body (idempotent): generate the PDF if needed, hand it to the provider, then
    mark the convention sent and e-mail the signatory. Returns what it did."""
    cv = Convention.objects.filter(pk=convention_id).first()
    if cv is None or cv.envoi_demande_le is None:
        return "rien"
    if cv.etat not in (Convention.Etat.A_GENERER, Convention.Etat.EXPIREE, Convention.Etat.ENVOYEE):
        return "rien"
    document = _generer_pdf(convention_id)
    c = cv.candidature
    prestataire = fournisseur(cv)
    maintenant = timezone.now()
    echeance = echeance_de(maintenant, c.appel.delai_signature_jours)
    code_fournisseur = prestataire.code
    try:
        demande = prestataire.demander(
            nom=f"Convention CaRE {cv.numero}", reference_interne=f"convention-{cv.pk}-{cv.envoi + 1}",
            pdf=_lire(document), nom_fichier=document.nom_original,
            signataires=signataires_de(c), expire_le=timezone.localtime(echeance, PARIS).date(),
        )
    except (signature.ErreurFournisseur, signature.RefusFournisseur) as erreur:
        _echec_envoi(convention_id, str(erreur))
        return "echec"
    with transaction.atomic():
        cv = _verrouiller(cv)
        if cv.envoi_demande_le is None:
            return "rien"
        transition = "envoyer" if cv.etat == Convention.Etat.A_GENERER else "renvoyer"
        run_transition(cv, transition, acteur=None, le=maintenant, echeance=echeance, fournisseur=code_fournisseur,
                       reference=demande.reference, signataires=demande.signataires,
                       donnees={"echeance": echeance.isoformat(), "fournisseur": code_fournisseur},
                       update_fields=["envoi", "envoyee_le", "echeance", "fournisseur", "reference_fournisseur",
                                      "signataires_fournisseur", "signature_bloquee_le", "envoi_demande_le",
                                      "erreur_envoi", "erreur_envoi_le", "expiree_le"])
        a, copies = _destinataires_es(c)
        envoyer_email(a, f"Convention CaRE {cv.numero} à signer avant le "
                      f"{timezone.localtime(echeance, PARIS):%d/%m/%Y à %H:%M}", "convention_a_signer",
                      {"convention": cv, "candidature": c, "echeance": timezone.localtime(echeance, PARIS),
                       "lien": lien_signature(cv) if code_fournisseur == "native" else "",
                       "fournisseur": code_fournisseur, "lien_dossier": lien_dossier(cv)},
                      copies=copies, si_refus=("conventions.adresse_signataire_refusee", {"convention_id": cv.pk}))
    return "envoyee"


def signataires_de(c: Candidature) -> list[signature.Signataire]:
    """The ordered signers: the establishment's signatory, then the DG ANS (the first confirmed one)."""
    from care_portal.comptes.models import Rattachement

    prenom, _, nom = (c.signataire_nom or "").strip().partition(" ")
    signataires = [signature.Signataire(prenom=prenom or c.signataire_nom, nom=nom or c.signataire_nom,
                                        email=c.signataire_email, fonction=c.signataire_fonction, role="es")]
    dg = (Rattachement.objects.filter(role=Role.DG_ANS, etat=Rattachement.Etat.CONFIRME, utilisateur__is_active=True)
          .select_related("utilisateur").order_by("pk").first())
    if dg is not None:
        u = dg.utilisateur
        signataires.append(signature.Signataire(prenom=u.prenom or "Direction", nom=u.nom or "générale",
                                                email=u.email, fonction=u.fonction or "Direction générale de l'ANS",
                                                role="ans"))
    return signataires


def _echec_envoi(convention_id: int, erreur: str) -> None:
    with transaction.atomic():
        cv = Convention.objects.select_for_update().get(pk=convention_id)
        cv.erreur_envoi, cv.erreur_envoi_le = erreur[:1000], timezone.now()
        cv.save(update_fields=["erreur_envoi", "erreur_envoi_le"])
        journaliser(cv, "conventions.convention.envoi_echoue", acteur=None, donnees={"erreur": erreur[:500]})


def convention_signaler_adresse_refusee(*, convention_id: int, adresse: str) -> None:
    """The mail server refused the signatory's address (a bounce): recorded on the convention (shown
    with the retry button) and the ARS is told, so that the ES corrects the address."""
    with transaction.atomic():
        cv = Convention.objects.select_for_update().select_related("candidature__region_instructrice").get(
            pk=convention_id)
        qui = "du signataire" if adresse == cv.candidature.signataire_email else "d'un destinataire"
        cv.erreur_envoi = (f"Le serveur de messagerie a refusé l'adresse {qui} ({adresse}) : "
                           "corrigez-la au dossier puis renvoyez la convention.")
        cv.erreur_envoi_le = timezone.now()
        if cv.etat == Convention.Etat.ENVOYEE and cv.signature_bloquee_le is None:
            cv.signature_bloquee_le = cv.erreur_envoi_le  # so that the ARS or the ANS may send it again
        cv.save(update_fields=["erreur_envoi", "erreur_envoi_le", "signature_bloquee_le"])
        journaliser(cv, "conventions.convention.adresse_refusee", acteur=None, donnees={"adresse": adresse})
        envoyer_email(selectors.emails_ars(cv.candidature), f"Convention {cv.numero} : adresse du signataire refusée",
                      "convention_adresse_refusee", {"convention": cv, "adresse": adresse, "lien": lien_dossier(cv)})


# --- expiry ------------------------------------------------------------------------------------

def conventions_expirer(*, maintenant: datetime.datetime | None = None) -> int:
    """Expire the sent conventions whose deadline passed (beat job; running it twice has one effect)."""
    maintenant = maintenant or timezone.now()
    ids = list(Convention.objects.filter(etat=Convention.Etat.ENVOYEE, echeance__lte=maintenant)
               .values_list("pk", flat=True))
    nombre = 0
    for pk in ids:
        with transaction.atomic():
            cv = (Convention.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("candidature__region_instructrice").filter(pk=pk).first())
            if cv is None or cv.etat != Convention.Etat.ENVOYEE or cv.echeance is None or cv.echeance > maintenant:
                continue
            _expirer(cv, maintenant)
            nombre += 1
    return nombre


def _expirer(cv: Convention, maintenant: datetime.datetime) -> None:
    run_transition(cv, "expirer", acteur=None, le=maintenant, update_fields=["expiree_le"])
    c = cv.candidature
    a, copies = _destinataires_es(c)
    envoyer_email(a + selectors.emails_ars(c), f"Convention CaRE {cv.numero} expirée", "convention_expiree",
                  {"convention": cv, "lien": lien_dossier(cv)}, copies=copies)


# --- native signature: one-time codes --------------------------------------------------------------

def _empreinte_code(code: str, code_id_sel: str) -> str:
    return salted_hmac("candidatures.code_signature", f"{code_id_sel}:{code}").hexdigest()


def _nouveau_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def convention_par_jeton(jeton: str) -> Convention:
    """The convention a signing link points to; WorkflowError (code "lien") for a forged link."""
    try:
        donnees = signing.loads(jeton, salt=SEL_JETON)
        cv = Convention.objects.select_related("candidature__appel", "candidature__entite_juridique",
                                               "candidature__ght").get(pk=donnees["c"])
    except (signing.BadSignature, KeyError, TypeError, Convention.DoesNotExist):
        raise WorkflowError("Ce lien de signature n'est pas valide.", code="lien") from None
    if donnees.get("e") != cv.envoi:
        raise WorkflowError("Ce lien a été remplacé par un envoi plus récent de la convention : utilisez le "
                            "dernier e-mail reçu.", code="lien_remplace")
    return cv


def etat_du_lien(cv: Convention) -> str | None:
    """Why the signing link cannot be used now (French), or None."""
    if cv.etat == Convention.Etat.SIGNEE_ES or cv.etat == Convention.Etat.SIGNEE:
        return f"Cette convention a déjà été signée le {timezone.localtime(cv.signee_es_le, PARIS):%d/%m/%Y à %H:%M}."
    if cv.etat == Convention.Etat.EXPIREE or (cv.echeance and cv.echeance <= timezone.now()):
        return ("Le délai de signature de cette convention est dépassé : elle a expiré. L'ARS ou l'ANS peut vous "
                "l'envoyer de nouveau.")
    if cv.etat != Convention.Etat.ENVOYEE or cv.fournisseur != "native":
        return "Cette convention ne se signe pas depuis ce lien."
    if cv.signature_bloquee_le is not None:
        return ("La signature est bloquée après trop de codes erronés. L'ARS a été prévenue ; elle vous renverra "
                "la convention.")
    return None


def convention_consulter(*, convention: Convention, ip: str) -> Document:
    """The signatory opens the PDF from the signing link: the document sent, the reading logged (who
    reads is only known by the link, hence no actor). Refused when the link cannot be used any more."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        raison = etat_du_lien(cv)
        if raison:
            raise WorkflowError(raison, code="etat")
        document = document_courant(cv, CATEGORIE_CONVENTION)
        if document is None:
            raise WorkflowError("La convention n'est pas encore générée.", code="document")
        journaliser(cv, "conventions.convention.consultee", acteur=None,
                    donnees={"ip": ip, "document": str(document.pk)})
    return document


def code_envoyer_signataire(*, convention: Convention, code: str | None = None) -> CodeSignature:
    """E-mail a one-time code to the convention's signatory (the previous code stops working).
    ``code``: only for the demo seeding, which signs in the signatory's place; None = random."""
    with transaction.atomic():
        cv = _verrouiller(convention)
        raison = etat_du_lien(cv)
        if raison:
            raise WorkflowError(raison, code="etat")
        return _creer_code(role=CodeSignature.Role.ES, email=cv.candidature.signataire_email, conventions=[cv],
                           envoi=cv.envoi, utilisateur=None, filtre={"conventions": cv, "envoi": cv.envoi}, code=code)


def _creer_code(*, role, email, conventions, envoi, utilisateur, filtre, code: str | None = None) -> CodeSignature:
    maintenant = timezone.now()
    actifs = CodeSignature.objects.select_for_update().filter(role=role, utilise_le__isnull=True,
                                                               annule_le__isnull=True, **filtre)
    if utilisateur is not None:
        actifs = actifs.filter(utilisateur=utilisateur)
    dernier = actifs.order_by("-cree_le").first()
    if dernier is not None and maintenant - dernier.cree_le < DELAI_ENTRE_CODES:
        raise CodeTropTot(math.ceil((DELAI_ENTRE_CODES - (maintenant - dernier.cree_le)).total_seconds()))
    actifs.update(annule_le=maintenant)
    code = code or _nouveau_code()
    sel = secrets.token_hex(8)
    obj = CodeSignature.objects.create(
        role=role, email=email, utilisateur=utilisateur, envoi=envoi, empreinte=f"{sel}${_empreinte_code(code, sel)}",
        expire_le=maintenant + datetime.timedelta(minutes=settings.SIGNATURE_CODE_VALIDITE_MINUTES),
    )
    obj.conventions.set(conventions)
    journaliser(conventions[0], "conventions.convention.code_envoye", acteur=utilisateur,
                donnees={"role": role, "conventions": [c.pk for c in conventions], "code": obj.pk})
    envoyer_email([email], "Votre code de signature", "convention_code",
                  {"code": code, "minutes": settings.SIGNATURE_CODE_VALIDITE_MINUTES,
                   "conventions": [c.numero for c in conventions]})
    return obj


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str = ""
    bloque: bool = False


def _verifier_code(code_obj: CodeSignature | None, saisie: str) -> Verification:
    """Check one try against the active code (the caller holds its row lock and saves it)."""
    if code_obj is None:
        return Verification(False, "Demandez d'abord un code : aucun code valable n'a été envoyé.")
    maintenant = timezone.now()
    if code_obj.expire_le <= maintenant:
        code_obj.annule_le = maintenant
        code_obj.save(update_fields=["annule_le"])
        return Verification(False, "Ce code a expiré (il est valable "
                            f"{settings.SIGNATURE_CODE_VALIDITE_MINUTES} minutes) : demandez-en un nouveau.")
    saisie = "".join((saisie or "").split())
    sel, _, attendu = code_obj.empreinte.partition("$")
    if len(saisie) == 6 and saisie.isdigit() and hmac.compare_digest(_empreinte_code(saisie, sel), attendu):
        code_obj.utilise_le = maintenant
        code_obj.save(update_fields=["utilise_le"])
        return Verification(True)
    code_obj.tentatives += 1
    restantes = settings.SIGNATURE_CODE_TENTATIVES - code_obj.tentatives
    if restantes <= 0:
        code_obj.annule_le = maintenant
        code_obj.save(update_fields=["tentatives", "annule_le"])
        return Verification(False, "Code erroné, et c'était le dernier essai : la signature est bloquée.", bloque=True)
    code_obj.save(update_fields=["tentatives"])
    pluriel = "s" if restantes > 1 else ""
    return Verification(False, f"Code erroné. Il vous reste {restantes} essai{pluriel}.")


def _ip(ip: str | None) -> str:
    return (ip or "inconnue")[:45]


def convention_signer_es(*, convention: Convention, code: str, consentement: bool, ip: str | None) -> Convention:
    """The establishment's signatory signs with the e-mailed code: the portal seals the PDF (signature
    field of the establishment) and keeps the signed version; the DG ANS is told. A wrong code counts a
    try (kept even though the signing is refused); at the last one the signature is locked and the ARS
    is told."""
    if not consentement:
        raise WorkflowError("Cochez la case pour confirmer que vous avez lu la convention et acceptez de la signer.",
                            code="consentement")
    with fabrique.atelier():  # the sealed version's bytes are erased if anything here fails
        cv = _verrouiller(convention)
        raison = etat_du_lien(cv)
        if raison:
            raise WorkflowError(raison, code="etat")
        code_obj = (CodeSignature.objects.select_for_update()
                    .filter(role=CodeSignature.Role.ES, conventions=cv, envoi=cv.envoi, utilise_le__isnull=True,
                            annule_le__isnull=True).order_by("-cree_le").first())
        verification = _verifier_code(code_obj, code)
        if verification.ok:
            _sceller_es(cv, code_obj, ip)
        elif verification.bloque:
            _bloquer(cv)
    if not verification.ok:  # raised after the commit, so that the counted try is kept
        raise WorkflowError(verification.message, code="bloque" if verification.bloque else "code")
    return cv


def _sceller_es(cv: Convention, code_obj: CodeSignature, ip: str | None) -> Document:
    c = cv.candidature
    maintenant = timezone.now()
    document = _sceller(cv, role="es", nom=c.signataire_nom, fonction=c.signataire_fonction,
                        horodatage=maintenant, ip=_ip(ip))
    run_transition(cv, "signer_es", acteur=None, le=maintenant,
                   signataire=f"{c.signataire_nom}, {c.signataire_fonction}".strip(", "),
                   donnees={"document": str(document.pk), "sha256": document.sha256, "ip": _ip(ip),
                            "code": code_obj.pk},
                   update_fields=["signee_es_le", "signataire_es"])
    envoyer_email(_emails_dg(), f"Convention {cv.numero} à contresigner", "convention_a_contresigner",
                  {"convention": cv, "lien": settings.SITE_URL + reverse("conventions:contresigner")})
    return document


def _sceller(cv: Convention, *, role: str, **kwargs) -> Document:
    """Sign ``role``'s field through the native provider (platform certificate), which keeps the new
    version as the convention's document (returned); its refusals become a WorkflowError (nothing is
    written)."""
    depot = DepotConvention(cv)
    try:
        PadesNatif(depot).signer(cv.reference_fournisseur, role=role, **kwargs)
    except signature.RefusFournisseur as erreur:
        logger.error("signature: scellement refusé (%s)", erreur)
        raise WorkflowError(f"La signature n'a pas pu être apposée : {erreur}", code="scellement") from erreur
    return depot.document


def _bloquer(cv: Convention) -> None:
    cv.signature_bloquee_le = timezone.now()
    cv.save(update_fields=["signature_bloquee_le"])
    journaliser(cv, "conventions.convention.signature_bloquee", acteur=None)
    envoyer_email(selectors.emails_ars(cv.candidature), f"Convention {cv.numero} : signature bloquée",
                  "convention_signature_bloquee", {"convention": cv, "lien": lien_dossier(cv)})


def _deposer_version(cv: Convention, pdf: bytes, categorie: str, suffixe: str) -> Document:
    from . import pdf as convention_pdf

    return fabrique.deposer(cv, categorie, pdf, nom=convention_pdf.nom_du_fichier(cv, suffixe))


TAILLE_LOT_MAX = 100  # conventions per code: a lot's request stays far below the gunicorn timeout


def code_envoyer_dg(*, acteur, conventions: Iterable[Convention], code: str | None = None) -> CodeSignature:
    """E-mail the DG ANS one code for the conventions chosen together, at most ``TAILLE_LOT_MAX``
    (``code``: demo seeding only). A convention already being sealed in another lot is refused."""
    ids = sorted({c.pk for c in conventions})
    if not ids:
        raise WorkflowError("Choisissez au moins une convention à contresigner.", code="vide")
    if len(ids) > TAILLE_LOT_MAX:
        raise WorkflowError(f"Choisissez au plus {TAILLE_LOT_MAX} conventions à la fois : les suivantes se "
                            "contresignent dans un autre lot.", code="trop")
    with transaction.atomic():
        if not peut_contresigner(acteur):
            raise WorkflowError("Seul le directeur général de l'ANS contresigne les conventions.", code="droit")
        choisies = list(Convention.objects.select_for_update().filter(pk__in=ids, etat=Convention.Etat.SIGNEE_ES)
                        .exclude(contresignatures__etat=ElementContresignature.Etat.A_SCELLER).order_by("pk"))
        if len(choisies) != len(ids):
            raise WorkflowError("Une des conventions choisies n'attend plus de contresignature : rechargez la page.",
                                code="etat")
        return _creer_code(role=CodeSignature.Role.ANS, email=acteur.email, conventions=choisies, envoi=0,
                           utilisateur=acteur, filtre={}, code=code)


def conventions_contresigner(*, acteur, code: str, ip: str | None) -> LotContresignature:
    """The DG ANS countersigns, with one code, the conventions that code was sent for: the code is
    checked here (a wrong try is counted and kept), a lot is opened with one element per convention,
    and each convention is sealed after the commit by its own task (``contresignature_sceller``), so
    that no request or transaction grows with the number of conventions."""
    if not peut_contresigner(acteur):
        raise WorkflowError("Seul le directeur général de l'ANS contresigne les conventions.", code="droit")
    with transaction.atomic():
        code_obj = (CodeSignature.objects.select_for_update()
                    .filter(role=CodeSignature.Role.ANS, utilisateur=acteur, utilise_le__isnull=True,
                            annule_le__isnull=True).order_by("-cree_le").first())
        verification = _verifier_code(code_obj, code)
        if verification.ok:
            lot = LotContresignature.objects.create(acteur=acteur, code=code_obj, ip=_ip(ip))
            conventions = list(code_obj.conventions.order_by("pk"))
            elements = ElementContresignature.objects.bulk_create(
                ElementContresignature(lot=lot, convention=cv) for cv in conventions)
            journaliser(conventions[0], "conventions.convention.contresignature_lancee", acteur=acteur,
                        donnees={"lot": lot.pk, "conventions": [cv.pk for cv in conventions], "code": code_obj.pk,
                                 "ip": _ip(ip)})
            from .tasks import contresigner_convention_task

            for element, cv in zip(elements, conventions, strict=True):  # published after the commit
                confier(contresigner_convention_task, element.pk, objet=cv)
    if not verification.ok:  # raised after the commit, so that the counted try is kept
        raise WorkflowError(verification.message, code="bloque" if verification.bloque else "code")
    return lot


def contresignature_sceller(element_id: int) -> str:
    """Seal one convention of a lot (the task's body), in a transaction of its own: the DG's PAdES
    signature on the ES-signed PDF, the final document, the transition, the hand-off and the ES e-mail.
    Idempotent: an element already done or failed, or a convention already countersigned, has no
    second effect. A refusal or a technical failure is stored on the element with its reason (the
    convention stays « signée par l'établissement » and may be chosen in another lot)."""
    try:
        with fabrique.atelier():  # the sealed version's bytes are erased if anything here fails
            element = (ElementContresignature.objects.select_for_update()
                       .select_related("lot__acteur").filter(pk=element_id).first())
            if element is None or element.etat != ElementContresignature.Etat.A_SCELLER:
                return "rien"
            cv = _verrouiller(element.convention)
            lot, acteur = element.lot, element.lot.acteur
            if cv.etat == Convention.Etat.SIGNEE:
                return _clore(element, ElementContresignature.Etat.FAITE)  # countersigned meanwhile: nothing more
            if cv.etat != Convention.Etat.SIGNEE_ES:
                raise WorkflowError(f"La convention {cv.numero} n'attend plus de contresignature "
                                    f"(état : {cv.get_etat_display().lower()}).", code="etat")
            if not peut_contresigner(acteur):
                raise WorkflowError("Le contresignataire n'a plus le rôle de directeur général de l'ANS.",
                                    code="droit")
            maintenant = timezone.now()
            if document_courant(cv, CATEGORIE_SIGNEE_ES) is None:
                raise WorkflowError(f"La version signée par l'établissement de la convention {cv.numero} est "
                                    "introuvable.", code="document")
            document = _sceller(cv, role="ans", nom=acteur.get_full_name() or acteur.email,
                                fonction=acteur.fonction or "Direction générale de l'ANS", horodatage=maintenant,
                                ip=lot.ip or "inconnue")
            _finaliser(cv, document, acteur=acteur, le=maintenant,
                       donnees={"ip": lot.ip or "inconnue", "code": lot.code_id, "lot": lot.pk})
            return _clore(element, ElementContresignature.Etat.FAITE)
    except Exception as erreur:  # noqa: BLE001 — every failure is stored with its reason, shown to the DG
        if isinstance(erreur, WorkflowError):
            motif = erreur.message
        else:
            logger.exception("contresignature: échec du scellement (élément %s)", element_id)
            motif = "Erreur technique lors du scellement ; la convention peut être choisie dans un autre lot."
        with transaction.atomic():
            element = ElementContresignature.objects.select_for_update().filter(
                pk=element_id, etat=ElementContresignature.Etat.A_SCELLER).first()
            if element is None:
                return "rien"
            element.erreur = motif
            return _clore(element, ElementContresignature.Etat.ECHEC)


def _clore(element: ElementContresignature, etat: str) -> str:
    element.etat, element.traite_le = etat, timezone.now()
    element.save(update_fields=["etat", "erreur", "traite_le"])
    return etat


def _finaliser(cv: Convention, document: Document, *, acteur, le, donnees: dict) -> None:
    run_transition(cv, "contresigner", acteur=acteur, verifier_droit=False, le=le, contresignataire=acteur,
                   donnees={"document": str(document.pk), "sha256": document.sha256, **donnees},
                   update_fields=["signee_le", "contresignataire"])
    etapes.passer_a_la_suite(depuis="convention", objet=cv, acteur=acteur)  # its declaration, to fill in
    c = cv.candidature
    a, copies = _destinataires_es(c)
    document_id = str(document.pk)
    envoyer_email(a, f"Convention CaRE {cv.numero} signée", "convention_signee",
                  {"convention": cv, "lien": lien_dossier(cv), "document_id": document_id}, copies=copies,
                  pieces_jointes=[document_id])


# --- provider calls (Yousign webhooks; stored as RappelFournisseur rows) -----------------------

def retour_traiter(retour: signature.RetourFournisseur, *, fournisseur_code: str = "yousign") -> str:
    """Apply a verified provider call (webhook) once. Returns what was done (for the log and the reply):
    "doublon" (already received), "inconnu" (no convention has this reference: nothing changes),
    "ignore", or the transition done."""
    try:
        with transaction.atomic():
            RappelFournisseur.objects.create(fournisseur=fournisseur_code, identifiant=retour.identifiant,
                                             type=retour.type, reference=retour.reference)
    except IntegrityError:
        return "doublon"
    with transaction.atomic():
        cv = (Convention.objects.select_for_update(of=("self",)).select_related("candidature")
              .filter(fournisseur=fournisseur_code, reference_fournisseur=retour.reference).first())
        if cv is None:
            resultat = "inconnu"
            logger.warning("signature: retour %s pour une demande inconnue %s", retour.type, retour.reference)
        else:
            resultat = _appliquer_retour(cv, retour)
        RappelFournisseur.objects.filter(fournisseur=fournisseur_code, identifiant=retour.identifiant).update(
            resultat=resultat)
    return resultat


def _appliquer_retour(cv: Convention, retour: signature.RetourFournisseur) -> str:
    le = retour.horodatage or timezone.now()
    if retour.type == "signer.done" and retour.signataire == cv.signataires_fournisseur.get("es"):
        if cv.etat != Convention.Etat.ENVOYEE:
            return "ignore"
        _signer_es_fournisseur(cv, le)
        return "signee_es"
    if retour.type == "signature_request.done":
        if cv.etat not in (Convention.Etat.ENVOYEE, Convention.Etat.SIGNEE_ES):
            return "ignore"
        if cv.etat == Convention.Etat.ENVOYEE:
            _signer_es_fournisseur(cv, le)
        from .tasks import recuperer_convention_signee_task

        pk = cv.pk
        confier(recuperer_convention_signee_task, pk, objet=f"conventions.convention:{pk}")
        return "terminee"
    if retour.type == "signature_request.expired":
        if cv.etat != Convention.Etat.ENVOYEE:
            return "ignore"
        _expirer(cv, le)
        return "expiree"
    return "ignore"


def _signer_es_fournisseur(cv: Convention, le) -> None:
    c = cv.candidature
    run_transition(cv, "signer_es", acteur=None, le=le,
                   signataire=f"{c.signataire_nom}, {c.signataire_fonction}".strip(", "),
                   donnees={"fournisseur": cv.fournisseur, "reference": cv.reference_fournisseur},
                   update_fields=["signee_es_le", "signataire_es"])
    envoyer_email(_emails_dg(), f"Convention {cv.numero} signée par l'établissement", "convention_a_contresigner",
                  {"convention": cv, "lien": lien_dossier(cv), "fournisseur": cv.fournisseur})


def recuperer_signee(convention_id: int) -> str:
    """Fetch the completed PDF from the provider and finish the convention (idempotent task body)."""
    cv = Convention.objects.filter(pk=convention_id).first()
    if cv is None or cv.etat != Convention.Etat.SIGNEE_ES or not cv.reference_fournisseur:
        return "rien"
    prestataire = fournisseur(cv)
    if prestataire.code != cv.fournisseur or isinstance(prestataire, PadesNatif):
        return "rien"  # the native signature finishes the convention when it countersigns
    pdf = prestataire.document_signe(cv.reference_fournisseur)  # ErreurFournisseur → the task retries
    with fabrique.atelier():  # the final version's bytes are erased if anything here fails
        cv = _verrouiller(cv)
        if cv.etat != Convention.Etat.SIGNEE_ES:
            return "rien"
        document = _deposer_version(cv, pdf, CATEGORIE_SIGNEE, "-signee")
        _finaliser(cv, document, acteur=None, le=timezone.now(),
                   donnees={"fournisseur": cv.fournisseur, "reference": cv.reference_fournisseur})
    return "signee"
