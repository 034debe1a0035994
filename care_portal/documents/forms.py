"""The upload form: validation of the request only; the checks on the file are the service's."""

from __future__ import annotations

from django import forms

from .upload import refus_upload, taille_max_mo
from .validation import ACCEPT_HTML, FORMATS_ACCEPTES


class DocumentForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier",
        allow_empty_file=True,  # the service says "Le fichier est vide." like every other refusal
        error_messages={"required": "Choisissez un fichier à déposer."},
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["fichier"]
        champ.help_text = f"Formats acceptés : {FORMATS_ACCEPTES}. Taille maximale : {taille_max_mo()} Mo."
        champ.widget.attrs["accept"] = ACCEPT_HTML
        # A file the upload handler cut (over the limit) never reaches request.FILES: say why.
        refus = refus_upload(request) if request is not None else {}
        for nom, message in refus.items():
            if nom in self.fields:
                self.fields[nom].error_messages = {**self.fields[nom].error_messages, "required": message}
