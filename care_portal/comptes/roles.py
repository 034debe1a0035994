"""The roles of DESIGN.md §1 and what each one's scope is."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    REFERENT_ES = "referent_es", "Référent CaRE de l'établissement"
    DSI = "dsi", "DSI de l'établissement"
    RSSI = "rssi", "RSSI de l'établissement"
    SIGNATAIRE_ES = "signataire_es", "Signataire de la convention (directeur)"
    REFERENT_ARS = "referent_ars", "Référent CaRE de l'ARS"
    CONTROLEUR_ANS = "controleur_ans", "Contrôleur ANS"
    SECRETARIAT_ANS = "secretariat_ans", "Secrétariat ANS (paiements)"
    DG_ANS = "dg_ans", "Directeur général de l'ANS"
    ADMIN_ANS = "admin_ans", "Administrateur ANS"


ROLES_ES = frozenset({Role.REFERENT_ES, Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES})
ROLES_ARS = frozenset({Role.REFERENT_ARS})
ROLES_ANS = frozenset({Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS, Role.ADMIN_ANS})
ROLES_AGENTS = ROLES_ARS | ROLES_ANS  # TOTP compulsory, idle timeout
# Roles a référent ES may invite (DESIGN.md §1).
ROLES_INVITABLES = (Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES, Role.REFERENT_ES)
# Roles a person can claim when creating an account on the public sign-up page.
ROLES_INSCRIPTION = (Role.REFERENT_ES, Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES)


def famille(role: str) -> str:
    if role in ROLES_ES:
        return "es"
    if role in ROLES_ARS:
        return "ars"
    return "ans"
