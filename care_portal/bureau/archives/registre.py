"""Which documents make up a dossier, for its ZIP archive: each stage declares its document owners.

The documents of a dossier hang on many owners (the candidature, its perimeter lines, its messages, the
convention, the evidence of the objectives, the declaration and its cost lines, the control…), each declared
to the documents registry (care_portal.documents.acces) by its app. The core knows none of them: each stage
says, from its ``actions_groupees.py`` (called by its ``AppConfig.ready()``), which of its owner models hold
documents of a dossier, the lookup from that model to the dossier, and the folder of the ZIP they go in:

    from care_portal.bureau.archives import registre
    registre.enregistrer_pieces(PerimetreLigne, "candidature", "Prérequis", ordre=20)

Who may read them is never decided here: the archive keeps only the documents whose owner the requester may
see (``acces.proprietaires_visibles``) and that the documents app lets them download now (antivirus)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Pieces:
    modele: type[models.Model]
    chemin: str  # lookup from the owner to the dossier's primary key: "pk" for the dossier itself
    dossier: str  # the folder, inside the dossier's folder of the ZIP
    ordre: int = 0


_pieces: dict[str, Pieces] = {}


def enregistrer_pieces(modele: type[models.Model], chemin: str, dossier: str, *, ordre: int = 0) -> None:
    _pieces[modele._meta.label_lower] = Pieces(modele=modele, chemin=chemin, dossier=dossier, ordre=ordre)


def pieces() -> list[Pieces]:
    return sorted(_pieces.values(), key=lambda p: (p.ordre, p.modele._meta.label_lower))
