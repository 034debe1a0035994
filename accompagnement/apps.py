"""The public side of the programme and the support from the dossier (issue 22).

A top-level app above the stages (it reads the candidature, the objectives and the ceiling simulator;
no stage imports it). ``ready()`` declares the reference documents to the documents registry (everyone
may download a published one; only an ANS administrator adds a file), and plugs the support into the
stage registry: its menu entries, its reminder and its timeline sentences."""

from __future__ import annotations

from django.apps import AppConfig


class AccompagnementConfig(AppConfig):
    name = "accompagnement"
    verbose_name = "Information publique et accompagnement"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import registre, selectors
        from .models import DocumentReference

        acces.enregistrer(DocumentReference, selectors.documents_publies, selectors.documents_deposables,
                          categories={DocumentReference.CATEGORIE_DOCUMENT})
        registre.enregistrer()
