"""Reading the perimeter of an exposure audit (exposed domains and public IP addresses) from a CSV
file or a pasted list: pure parsing, one French error per refused line, nothing written here
(``services.audit_exposition_ajouter`` / ``perimetre_exposition_importer`` store the result).

Accepted: one element per line; ``;``, ``,`` or tab separated; the first cell is the domain or the
address, an optional second cell its type (``domaine`` / ``ip``; guessed when absent); an optional
header line (``valeur;type``…); blank lines and lines starting with ``#`` are ignored.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from dataclasses import dataclass, field

from care_portal.core import fichiers

TAILLE_MAX_OCTETS = 2 * 1024 * 1024
LIGNES_MAX = 20_000
VALEUR_MAX = 300  # a host name has 253 characters at most
ENTETES = {"valeur", "element", "élément", "domaine", "ip", "adresse", "cible", "actif"}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


@dataclass(frozen=True)
class Element:
    type: str  # "domaine" | "ip"
    valeur: str


@dataclass
class Lecture:
    elements: list[Element] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)  # "Ligne 3 : …"


def normaliser_domaine(texte: str) -> str | None:
    """The domain in lower-case ASCII (IDN encoded), or None when it is not a valid host name.
    A leading ``*.`` (wildcard certificate) is kept."""
    valeur = texte.strip().rstrip(".").lower()
    prefixe = ""
    if valeur.startswith("*."):
        prefixe, valeur = "*.", valeur[2:]
    try:
        ascii_ = valeur.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    labels = ascii_.split(".")
    if len(labels) < 2 or len(ascii_) > 253:
        return None
    if not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return None
    return prefixe + ascii_


def verifier_ip(texte: str) -> tuple[str | None, str]:
    """(the normalised public address, "") or (None, the French reason)."""
    try:
        adresse = ipaddress.ip_address(texte.strip())
    except ValueError:
        return None, f"« {texte.strip()} » n'est pas une adresse IP valide"
    if not adresse.is_global:
        return None, (f"« {adresse} » n'est pas une adresse IP publique (adresse privée, locale ou réservée) : "
                      "seules les adresses exposées sur internet font partie du périmètre")
    return str(adresse), ""


def _semble_ip(texte: str) -> bool:
    return bool(re.fullmatch(r"[0-9.]+", texte)) or ":" in texte


def lire_element(valeur: str, type_annonce: str = "") -> tuple[Element | None, str]:
    """One cell → (Element, "") or (None, reason)."""
    valeur = valeur.strip()
    type_annonce = type_annonce.strip().lower()
    if type_annonce not in ("", "ip", "domaine"):
        return None, f"type « {type_annonce} » inconnu (attendu : domaine ou ip)"
    if not valeur:
        return None, "valeur vide"
    if type_annonce == "ip" or (not type_annonce and _semble_ip(valeur)):
        adresse, raison = verifier_ip(valeur)
        return (Element("ip", adresse), "") if adresse else (None, raison)
    domaine = normaliser_domaine(valeur)
    if domaine is None:
        return None, (f"« {valeur} » n'est pas un nom de domaine valide (lettres, chiffres et tirets, au moins un "
                      "point, par exemple portail.ch-exemple.fr)")
    return Element("domaine", domaine), ""


def lire_perimetre(texte: str) -> Lecture:
    """Parse ``texte``: every valid element once (first occurrence kept), every refused line with
    its number and reason."""
    lecture = Lecture()
    vus: set[str] = set()
    lignes = texte.splitlines()
    if len(lignes) > LIGNES_MAX:
        lecture.erreurs.append(f"Le fichier compte {len(lignes)} lignes : {LIGNES_MAX} au plus.")
        return lecture
    echantillon = "\n".join(lignes[:5])
    separateur = ";" if ";" in echantillon else ("\t" if "\t" in echantillon else ",")
    lecteur = csv.reader(io.StringIO(texte), delimiter=separateur)
    try:
        for numero, cellules in enumerate(lecteur, start=1):
            cellules = [c.strip() for c in cellules]
            if not any(cellules) or cellules[0].startswith("#"):
                continue
            if numero == 1 and cellules[0].lower() in ENTETES:
                continue
            if len(cellules[0]) > VALEUR_MAX:
                lecture.erreurs.append(f"Ligne {numero} : valeur de plus de {VALEUR_MAX} caractères.")
                continue
            element, raison = lire_element(cellules[0], cellules[1] if len(cellules) > 1 else "")
            if element is None:
                lecture.erreurs.append(f"Ligne {numero} : {raison}.")
            elif element.valeur not in vus:
                vus.add(element.valeur)
                lecture.elements.append(element)
    except csv.Error:  # a field over csv's limit (an unclosed quote…): the file is refused, never a 500
        lecture.erreurs.append(f"Ligne {lecteur.line_num} : ligne illisible (guillemet non fermé ou valeur démesurée).")
    return lecture


def lire_fichier(fichier) -> Lecture:
    """An uploaded CSV file (bounded size) → Lecture."""
    contenu = fichier.read(TAILLE_MAX_OCTETS + 1)
    if len(contenu) > TAILLE_MAX_OCTETS:
        return Lecture(erreurs=[f"Le fichier du périmètre dépasse {TAILLE_MAX_OCTETS // (1024 * 1024)} Mo."])
    try:
        texte = fichiers.decoder_texte(contenu)  # UTF-16, PDF, images… refused in French
    except fichiers.FichierRefuse as exc:
        return Lecture(erreurs=[exc.message])
    return lire_perimetre(texte)
