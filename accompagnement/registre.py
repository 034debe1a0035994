"""How the support plugs into the core (care_portal.core.etapes): menu entries, the reminder of requests
waiting too long, and the timeline sentences of the rows logged on the dossier. Called from ready()."""

from __future__ import annotations

from care_portal.core import etapes

from .selectors import ROLES_SUPPORT_ANS

LIBELLES: dict[str, tuple[str, str]] = {
    "accompagnement.demande.creee": ("Demande d'aide adressée à {destinataire} : « {objet} »", "message"),
    "accompagnement.demande.reponse_envoyee": ("Réponse de {cote} à la demande d'aide « {objet} » : {extrait}", "message"),
    "accompagnement.demande.message_envoye": ("Nouveau message sur la demande d'aide « {objet} » : {extrait}", "message"),
    "accompagnement.demande.resolue": ("Demande d'aide « {objet} » marquée résolue", "message"),
}


def _agent(h) -> bool:
    return h.est_ars or h.a(*ROLES_SUPPORT_ANS)


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_entrees(
        # like every stage's « Mes … » entry, shown to any establishment member, also one who is an agent
        # (a DSI who is also an ANS controller sees both sides, as mes_demandes and file serve both)
        etapes.Entree("Mes demandes d'aide", "accompagnement:mes_demandes", 90, lambda h: h.est_es),
        etapes.Entree("Demandes d'aide", "accompagnement:file", 90, _agent),
    )
    etapes.enregistrer_libelles(LIBELLES)
    rappels.enregistrer()
