"""Bank details checks (schwifty): IBAN key, BIC format, and that the BIC matches the IBAN's bank."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException


@dataclass(frozen=True)
class VerificationBancaire:
    iban: str  # compact form when valid, else as typed (stripped)
    bic: str
    erreur_iban: str | None
    erreur_bic: str | None

    @property
    def iban_valide(self) -> bool:
        return bool(self.iban) and self.erreur_iban is None

    @property
    def bic_valide(self) -> bool:
        return bool(self.bic) and self.erreur_bic is None


def verifier_coordonnees(iban: str, bic: str) -> VerificationBancaire:
    iban_saisi = "".join((iban or "").split()).upper()
    bic_saisi = "".join((bic or "").split()).upper()
    erreur_iban = erreur_bic = None
    iban_obj = None
    if iban_saisi:
        try:
            iban_obj = IBAN(iban_saisi)
            iban_saisi = iban_obj.compact
        except SchwiftyException as exc:
            nom = exc.__class__.__name__
            if "Checksum" in nom:
                erreur_iban = "L'IBAN est invalide : sa clé de contrôle ne correspond pas."
            elif "Length" in nom:
                erreur_iban = "L'IBAN n'a pas la bonne longueur pour son pays."
            elif "Country" in nom:
                erreur_iban = "L'IBAN commence par un code pays inconnu."
            else:
                erreur_iban = "L'IBAN est invalide."
    if bic_saisi:
        try:
            bic_obj = BIC(bic_saisi)
            bic_saisi = str(bic_obj)
            if iban_obj is not None:
                if bic_obj.country_code != iban_obj.country_code:
                    erreur_bic = (f"Le BIC {bic_saisi} est celui d'une banque d'un autre pays "
                                  f"({bic_obj.country_code}) que l'IBAN ({iban_obj.country_code}).")
                else:
                    attendu = iban_obj.bic
                    if attendu is not None and str(attendu)[:4] != bic_saisi[:4]:
                        erreur_bic = (f"Le BIC {bic_saisi} ne correspond pas à la banque de l'IBAN "
                                      f"(BIC attendu : {attendu}).")
        except SchwiftyException:
            erreur_bic = "Le BIC est invalide (8 ou 11 caractères, par exemple AGRIFRPP)."
    return VerificationBancaire(iban_saisi, bic_saisi, erreur_iban, erreur_bic)
