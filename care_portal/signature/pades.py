"""PAdES sealing of PDFs by the platform (the engine of the ``native`` signature provider, natif.py).

The convention PDF (WeasyPrint) ends with a « Page des signatures » that draws two framed boxes.
``preparer_champs`` adds two EMPTY signature fields over those boxes, on the last page, in an
incremental update: ``signature_es`` (the establishment's signatory signs first) and
``signature_ans`` (the DG ANS countersigns later). ``sceller`` fills one of them with a PAdES B-B
signature made with the PLATFORM certificate: the portal seals on behalf of a signer whose identity
it checked with an e-mail one-time code, and writes who, when, from which IP address and the
SHA-256 of the exact bytes being signed in the visible stamp and in the signature's /Name, /Reason
and /Location. Each signature is its own incremental update, so the first one stays intact and
pyHanko's difference analysis sees the second one as form filling (no « modified » verdict).

``valider`` runs pyHanko's validator with the platform certificate as the only trust root (offline:
no fetching, no timestamp server, so B-B is the level we can reach).

The key material comes from the ``SIGNATURE_CERTIFICAT`` / ``SIGNATURE_CLE`` settings (PEM paths)
and the optional ``SIGNATURE_CLE_MOT_DE_PASSE``; it is loaded once per (paths, mtimes) and kept in
memory. ``generer_certificat_auto_signe`` writes the self-signed demo certificate.

pyHanko runs its signing and validation coroutines with ``asyncio.run``, which refuses to run in a
thread whose event loop is already running (Playwright's sync API keeps one in the test process;
an ASGI server would too): ``_hors_boucle`` then runs the call in a short-lived thread of its own.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import os
import tempfile
import textwrap
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.font.basic import SimpleFontEngineFactory
from pyhanko.pdf_utils.generic import decode_pdfdocencoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from care_portal.signature.base import RefusFournisseur

PARIS = ZoneInfo("Europe/Paris")

CHAMP_ES = "signature_es"
CHAMP_ANS = "signature_ans"
# (ll_x, ll_y, ur_x, ur_y) in PDF points, origin bottom-left, on the last page (A4 595×842): the
# two framed boxes that the template's « Page des signatures » draws.
BOITE_ES = (57, 292, 283, 382)
BOITE_ANS = (312, 292, 538, 382)
CHAMPS: dict[str, tuple[tuple[int, int, int, int], str]] = {
    CHAMP_ES: (BOITE_ES, "Signature de l'établissement"),
    CHAMP_ANS: (BOITE_ANS, "Contre-signature de l'Agence du numérique en santé"),
}
RAISON_ES = "Signature de la convention CaRE"
RAISON_ANS = "Contre-signature de l'ANS"

# Modification levels (pyHanko's ModificationLevel names) that leave an earlier signature « not
# modified »: nothing after it, document timestamps / validation data, or filling form fields and
# adding signatures.
NIVEAUX_ACCEPTABLES = frozenset({"NONE", "LTA_UPDATES", "FORM_FILLING"})

# The stamp uses Courier, a standard PDF font (nothing to embed, no HarfBuzz needed). pyHanko writes
# the text in PDFDocEncoding while the font is declared WinAnsiEncoding: only characters that have
# the same byte in both are drawn faithfully (ASCII, accented Latin letters, « » …); the others are
# mapped to a plain look-alike below, or to « ? ».
_TAILLE_POLICE = 10
_LARGEUR_LIGNE = 44  # characters of Courier per stamp line: keeps the text readable once fitted


class ErreurSignature(RefusFournisseur):
    """Base of the errors of this module; the message is in French and may be shown to a user. A
    refusal for good, like any provider's (``base.RefusFournisseur``)."""


class CertificatIndisponible(ErreurSignature):
    """The platform certificate or key is not configured, missing or unreadable."""


class ChampInconnu(ErreurSignature):
    """The PDF does not carry the requested signature field."""


class ChampDejaSigne(ErreurSignature):
    """The requested signature field already holds a signature."""


class DocumentAltere(ErreurSignature):
    """A signature already on the PDF no longer validates: the document was changed after it."""


class PdfIllisible(ErreurSignature):
    """The bytes are not a PDF pyHanko can read."""


@dataclass(frozen=True)
class ResultatSignature:
    """pyHanko's verdict on one signature, in plain data."""

    champ: str
    intacte: bool  # the signed byte ranges hash to the digest inside the signature
    valide: bool  # the cryptographic signature verifies and chains to the platform certificate
    couvre_tout_le_document: bool  # no byte was appended after this signature
    niveau_modification: str  # pyHanko ModificationLevel name: NONE, FORM_FILLING, … OTHER
    signataire: str  # common name of the signing certificate's subject
    horodatage: datetime.datetime | None  # the time the signature declares (/M), not a trusted time
    nom: str = ""  # /Name: the person on whose behalf the platform sealed
    raison: str = ""  # /Reason
    lieu: str = ""  # /Location

    @property
    def non_modifiee(self) -> bool:
        """True when whatever follows this signature is harmless (see NIVEAUX_ACCEPTABLES)."""
        return self.niveau_modification in NIVEAUX_ACCEPTABLES

    @property
    def conforme(self) -> bool:
        """The overall verdict: intact, valid, trusted and not modified since."""
        return self.intacte and self.valide and self.non_modifiee


@dataclass(frozen=True)
class _Materiel:
    signer: signers.SimpleSigner
    certificat: object  # asn1crypto.x509.Certificate


_cache: dict[tuple, _Materiel] = {}
_verrou = threading.Lock()


# --- helpers -------------------------------------------------------------------------------------


def _hors_boucle(fonction, /, *args, **kwargs):
    """Call ``fonction`` here, or in a thread of its own when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fonction(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pades") as executeur:
        return executeur.submit(fonction, *args, **kwargs).result()


def empreinte(pdf: bytes) -> str:
    """SHA-256 (hex) of the bytes, as printed in the stamp and stored with the document."""
    return hashlib.sha256(pdf).hexdigest()


def _lecteur(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, IndexError, KeyError) as exc:
        raise PdfIllisible("Le fichier fourni n'est pas un PDF lisible.") from exc


def _champs_presents(lecteur: PdfFileReader) -> dict[str, bool]:
    """Signature field name → filled?"""
    return {nom: valeur is not None for nom, valeur, _ref in fields.enumerate_sig_fields(lecteur)}


def _table_sure() -> dict[str, str]:
    """Characters drawn faithfully by Courier/WinAnsi from PDFDocEncoding (see above)."""
    sure = {}
    for octet in range(0x20, 0x100):
        try:
            pdfdoc = decode_pdfdocencoding(bytes([octet]))
        except (KeyError, UnicodeDecodeError, ValueError):
            continue
        try:
            winansi = bytes([octet]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if pdfdoc == winansi and pdfdoc != "\u00a0":
            sure[pdfdoc] = pdfdoc
    return sure


_SURS = _table_sure()
_EQUIVALENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u0152": "OE", "\u0153": "oe",
    "\u0178": "Y", "\u20ac": "EUR",
}


def _texte_tampon(texte: str) -> str:
    """The text with every character the stamp font cannot draw replaced by a plain look-alike."""
    sortie = []
    for c in texte:
        if c == "\n" or c in _SURS:
            sortie.append(c)
        elif c in _EQUIVALENTS:
            sortie.append(_EQUIVALENTS[c])
        else:
            base = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            sortie.append(base or "?")
    return "".join(sortie)


def texte_du_tampon(*, nom: str, fonction: str, horodatage: datetime.datetime, ip: str,
                    empreinte_hex: str) -> str:
    """The visible stamp's text, wrapped to the box (the hash on its own lines)."""
    local = horodatage.astimezone(PARIS)
    identite = f"Signé électroniquement par {nom}, {fonction}" if fonction else (
        f"Signé électroniquement par {nom}")
    lignes = [
        *textwrap.wrap(identite, _LARGEUR_LIGNE, break_on_hyphens=False),
        f"le {local:%d/%m/%Y à %H:%M:%S} (heure de Paris)",
        f"adresse IP : {ip}",
        "empreinte SHA-256 du document :",
        empreinte_hex[:32],
        empreinte_hex[32:],
    ]
    return _texte_tampon("\n".join(lignes))


# --- key material --------------------------------------------------------------------------------


def _chemins() -> tuple[Path, Path, bytes | None]:
    certificat = getattr(settings, "SIGNATURE_CERTIFICAT", None)
    cle = getattr(settings, "SIGNATURE_CLE", None)
    if not certificat or not cle:
        raise CertificatIndisponible(
            "Le certificat de signature de la plateforme n'est pas configuré : renseignez les "
            "réglages SIGNATURE_CERTIFICAT et SIGNATURE_CLE (fichiers PEM), ou générez un certificat "
            "de démonstration avec « manage.py generer_certificat_plateforme »."
        )
    mot_de_passe = getattr(settings, "SIGNATURE_CLE_MOT_DE_PASSE", None) or None
    return Path(certificat), Path(cle), mot_de_passe.encode() if mot_de_passe else None


def _materiel() -> _Materiel:
    """The platform signer, loaded once per (paths, modification times, passphrase)."""
    chemin_certificat, chemin_cle, mot_de_passe = _chemins()
    try:
        cle_cache = (str(chemin_certificat), chemin_certificat.stat().st_mtime_ns,
                     str(chemin_cle), chemin_cle.stat().st_mtime_ns, mot_de_passe)
    except FileNotFoundError as exc:
        raise CertificatIndisponible(
            f"Le fichier « {exc.filename} » du certificat de signature de la plateforme est "
            "introuvable. Générez-le avec « manage.py generer_certificat_plateforme » ou corrigez "
            "les réglages SIGNATURE_CERTIFICAT et SIGNATURE_CLE."
        ) from exc
    with _verrou:
        materiel = _cache.get(cle_cache)
        if materiel is not None:
            return materiel
        try:
            certificat = load_cert_from_pemder(str(chemin_certificat))
        except (OSError, ValueError, TypeError) as exc:
            raise CertificatIndisponible(
                f"Le certificat de signature « {chemin_certificat} » est illisible (PEM ou DER attendu)."
            ) from exc
        try:
            cle = load_private_key_from_pemder(str(chemin_cle), passphrase=mot_de_passe)
        except (OSError, ValueError, TypeError) as exc:
            raise CertificatIndisponible(
                f"La clé privée de signature « {chemin_cle} » est illisible ou son mot de passe "
                "(SIGNATURE_CLE_MOT_DE_PASSE) est incorrect."
            ) from exc
        cle_pyca = _cle_pyca(cle)
        if _cle_publique(cle_pyca) != certificat.public_key.dump():
            raise CertificatIndisponible(
                f"La clé privée « {chemin_cle} » ne correspond pas au certificat « {chemin_certificat} »."
            )
        signer = _SignataireCleChargee(
            cle_pyca=cle_pyca,
            signing_cert=certificat,
            signing_key=cle,
            cert_registry=SimpleCertificateStore.from_certs([certificat]),
        )
        materiel = _Materiel(signer=signer, certificat=certificat)
        _cache.clear()
        _cache[cle_cache] = materiel
        return materiel


class _SignataireCleChargee(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the DER private key at every raw signature (twice per PDF
    signature: a dummy one to size the placeholder, then the real one); for RSA keys cryptography
    checks the key's consistency at each parse, about 0.3 s for RSA 3072. We parse it once and sign
    PKCS#1 v1.5 with the parsed key; other mechanisms go through pyHanko's code."""

    def __init__(self, *, cle_pyca, **kwargs):
        super().__init__(**kwargs)
        self._cle_pyca = cle_pyca

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mecanisme = self.get_signature_mechanism_for_digest(digest_algorithm)
        if isinstance(self._cle_pyca, rsa.RSAPrivateKey) and mecanisme.signature_algo == "rsassa_pkcs1v15":
            return self._cle_pyca.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


def _cle_pyca(cle):
    """The asn1crypto PrivateKeyInfo as a cryptography private key (parsed and checked once)."""
    return serialization.load_der_private_key(cle.dump(), password=None)


def _cle_publique(cle_pyca) -> bytes:
    """DER SubjectPublicKeyInfo of a private key, to match the certificate's."""
    return cle_pyca.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)


def _contexte_validation(certificat) -> ValidationContext:
    # Offline: the platform certificate is the only trust root, nothing is fetched.
    return ValidationContext(trust_roots=[certificat], allow_fetching=False, revocation_mode="soft-fail")


# --- public API ----------------------------------------------------------------------------------


def preparer_champs(pdf: bytes, noms: tuple[str, ...] | list[str] = tuple(CHAMPS)) -> bytes:
    """Adds the empty signature fields ``noms`` (by default both) over the boxes of the last page
    (incremental update).

    Idempotent: a PDF that already carries these fields is returned unchanged (same bytes)."""
    inconnus = [nom for nom in noms if nom not in CHAMPS]
    if inconnus:
        raise ChampInconnu(f"Champ de signature inconnu : « {inconnus[0]} ».")
    presents = _champs_presents(_lecteur(pdf))
    manquants = [nom for nom in noms if nom not in presents]
    if not manquants:
        return pdf
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for nom in manquants:
        boite, libelle = CHAMPS[nom]
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(sig_field_name=nom, on_page=-1, box=boite, readable_field_name=libelle),
        )
    sortie = BytesIO()
    writer.write(sortie)
    return sortie.getvalue()


def champs_signature(pdf: bytes) -> dict[str, bool]:
    """The PDF's signature fields: name → already signed?"""
    return _champs_presents(_lecteur(pdf))


def sceller(pdf: bytes, *, champ: str, nom: str, fonction: str, horodatage: datetime.datetime, ip: str,
            raison: str, lieu: str = "France") -> bytes:
    """Fills the empty field ``champ`` with a PAdES B-B signature of the platform, on behalf of ``nom``.

    Refuses (ErreurSignature subclasses, French messages) an unknown or already filled field and a
    PDF whose existing signatures no longer validate: nobody countersigns an altered document.
    ``horodatage`` (aware) is the moment the signer consented, shown in the stamp; the signature's
    /M is the platform's clock at sealing time."""
    if horodatage.tzinfo is None or horodatage.utcoffset() is None:
        raise ValueError("horodatage doit être un datetime avec fuseau horaire.")
    materiel = _materiel()
    lecteur = _lecteur(pdf)
    presents = _champs_presents(lecteur)
    if champ not in presents:
        raise ChampInconnu(
            f"Le document ne comporte pas de champ de signature « {champ} » : "
            "il doit d'abord être préparé (preparer_champs)."
        )
    if presents[champ]:
        raise ChampDejaSigne(f"Le champ de signature « {champ} » est déjà signé : le document ne peut "
                             "pas être signé deux fois au même emplacement.")
    for resultat in _valider_lecteur(lecteur, materiel):
        if not (resultat.intacte and resultat.non_modifiee):
            raise DocumentAltere(
                f"La signature « {resultat.champ} » déjà présente sur le document n'est plus valide : "
                "le document a été modifié après sa signature ; il ne peut pas être signé."
            )
        if not resultat.valide:
            # e.g. the platform certificate was replaced between the two signatures
            raise DocumentAltere(
                f"La signature « {resultat.champ} » déjà présente sur le document n'a pas été faite avec "
                "le certificat actuel de la plateforme ; le document ne peut pas être contresigné."
            )

    empreinte_hex = empreinte(pdf)
    meta = signers.PdfSignatureMetadata(
        field_name=champ,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=nom,
        reason=raison,
        location=lieu,
        contact_info=None,
    )
    style = TextStampStyle(
        stamp_text="%(texte)s",
        text_box_style=TextBoxStyle(font=SimpleFontEngineFactory.default_factory(),
                                    font_size=_TAILLE_POLICE),
        border_width=1,
        background=None,
    )
    texte = texte_du_tampon(nom=nom, fonction=fonction, horodatage=horodatage, ip=ip,
                            empreinte_hex=empreinte_hex)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    try:
        sortie = _hors_boucle(
            signers.PdfSigner(meta, materiel.signer, stamp_style=style).sign_pdf,
            writer, existing_fields_only=True, appearance_text_params={"texte": texte},
        )
    except (SigningError, PdfError) as exc:
        raise ErreurSignature(f"La signature du document a échoué : {exc}") from exc
    return sortie.getvalue()


def _signatures(lecteur: PdfFileReader) -> list[tuple[int, str, EmbeddedPdfSignature | None]]:
    """(revision, field name, signature) of every filled signature field, in signing order.

    pyHanko's ``reader.embedded_regular_signatures`` parses every CMS container at once and raises on
    the first unreadable one; we parse them one by one so that a tampered container is reported as a
    failed signature (None) rather than crashing the whole verdict."""
    signatures = []
    for nom, valeur, ref_champ in fields.enumerate_sig_fields(lecteur, filled_status=True):
        champ = ref_champ.get_object()
        if valeur.get_object().get("/Type", "/Sig") != "/Sig":
            continue  # a document timestamp, not a signature
        try:
            signature = EmbeddedPdfSignature(lecteur, champ, nom)
            revision = signature.signed_revision
        except (ValueError, KeyError, PdfError):
            signature = None
            revision = lecteur.xrefs.get_introducing_revision(champ.raw_get("/V").reference)
        signatures.append((revision, nom, signature))
    return sorted(signatures, key=lambda triplet: triplet[0])


def _valider_lecteur(lecteur: PdfFileReader, materiel: _Materiel) -> list[ResultatSignature]:
    resultats = []
    for _revision, nom, signature in _signatures(lecteur):
        try:
            if signature is None:
                raise ValueError("conteneur de signature illisible")
            statut = _hors_boucle(
                validate_pdf_signature, signature,
                signer_validation_context=_contexte_validation(materiel.certificat),
                key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
            )
        except (ValueError, KeyError, PdfError):
            # A signature container that cannot be parsed or checked (e.g. its /Contents was tampered
            # with) is a failed signature, not a crash of the caller.
            resultats.append(ResultatSignature(
                champ=nom, intacte=False, valide=False, couvre_tout_le_document=False,
                niveau_modification=ModificationLevel.OTHER.name, signataire="", horodatage=None,
            ))
            continue
        if isinstance(statut.diff_result, SuspiciousModification):
            niveau = ModificationLevel.OTHER.name
        else:
            niveau = statut.modification_level.name if statut.modification_level is not None else "OTHER"
        dictionnaire = signature.sig_object
        resultats.append(ResultatSignature(
            champ=nom,
            intacte=bool(statut.intact),
            valide=bool(statut.valid and statut.trusted),
            couvre_tout_le_document=statut.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            niveau_modification=niveau,
            signataire=statut.signing_cert.subject.native.get("common_name", ""),
            horodatage=statut.signer_reported_dt or signature.self_reported_timestamp,
            nom=str(dictionnaire.get("/Name", "")),
            raison=str(dictionnaire.get("/Reason", "")),
            lieu=str(dictionnaire.get("/Location", "")),
        ))
    return resultats


def valider(pdf: bytes) -> list[ResultatSignature]:
    """pyHanko's verdict on every signature of the PDF, in signing order, the platform certificate
    being the only trust root."""
    return _valider_lecteur(_lecteur(pdf), _materiel())


def generer_certificat_auto_signe(chemin_certificat: Path, chemin_cle: Path, *,
                                  nom_commun: str = "eCaRE — plateforme de signature (démonstration)",
                                  jours: int = 825, mot_de_passe: str | None = None) -> None:
    """Writes a self-signed RSA 3072 certificate (PEM) and its key (PEM PKCS#8, mode 0600).

    For the demo and the tests: the certificate is its own CA (basic constraints CA) so it can be the
    trust root the validator needs; key usage digitalSignature + nonRepudiation for signing (and
    keyCertSign, which a CA certificate must carry). Overwrites existing files (atomic replace)."""
    cle = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    sujet = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eCaRE"),
        x509.NameAttribute(NameOID.COMMON_NAME, nom_commun),
    ])
    maintenant = datetime.datetime.now(datetime.UTC)
    certificat = (
        x509.CertificateBuilder()
        .subject_name(sujet)
        .issuer_name(sujet)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - datetime.timedelta(days=1))
        .not_valid_after(maintenant + datetime.timedelta(days=jours))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                          crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(cle.public_key()), critical=False)
        .sign(cle, hashes.SHA256())
    )
    chiffrement = (serialization.BestAvailableEncryption(mot_de_passe.encode()) if mot_de_passe
                   else serialization.NoEncryption())
    _ecrire_atomiquement(
        Path(chemin_cle),
        cle.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, chiffrement),
        mode=0o600,
    )
    _ecrire_atomiquement(Path(chemin_certificat), certificat.public_bytes(serialization.Encoding.PEM),
                         mode=0o644)


def _ecrire_atomiquement(chemin: Path, contenu: bytes, *, mode: int) -> None:
    """Writes through a temporary file created with ``mode`` (never readable by others, even briefly)
    then renamed over ``chemin``."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    descripteur, temporaire = tempfile.mkstemp(dir=chemin.parent, prefix=f".{chemin.name}.")
    try:
        os.fchmod(descripteur, mode)
        with os.fdopen(descripteur, "wb") as fichier:
            fichier.write(contenu)
        os.replace(temporaire, chemin)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise
