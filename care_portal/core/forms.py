"""Form helpers shared by every app."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS


class ChampsDsfrMixin:
    """DSFR classes on the inputs; each input points to its help text and, after validation, to its
    error text (aria-describedby = the ids that the field templates (comptes/auth_champ.html, candidatures/_champ.html) give them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "fr-input")

    def _identifiant(self, nom: str) -> str:
        # BoundField.auto_id without building the BoundField (it would freeze label and help text).
        auto_id = self.auto_id or "id_%s"
        return auto_id % self.add_prefix(nom) if "%s" in auto_id else self.add_prefix(nom)

    def __getitem__(self, nom):
        field = self.fields.get(nom)
        if field is not None and field.help_text:  # read when the template asks for the field
            self._decrire(nom, f"{self._identifiant(nom)}_helptext", invalide=False)
        return super().__getitem__(nom)

    # Fields that an error of the whole form is about (the login form: both).
    champs_des_erreurs_globales: tuple[str, ...] = ()

    def full_clean(self):
        super().full_clean()
        self._annoter_erreurs()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._annoter_erreurs()  # also for an error a view adds after validation

    def _annoter_erreurs(self) -> None:
        for nom in self._errors or {}:
            if nom in self.fields:
                self._decrire(nom, f"{self._identifiant(nom)}-erreurs")
            elif nom == NON_FIELD_ERRORS:
                for champ in self.champs_des_erreurs_globales:
                    self._decrire(champ, "erreurs-formulaire")

    def _decrire(self, nom: str, identifiant: str, *, invalide: bool = True) -> None:
        attrs = self.fields[nom].widget.attrs
        if invalide:
            attrs["aria-invalid"] = "true"
        decrit = attrs.get("aria-describedby", "").split()
        if identifiant not in decrit:
            attrs["aria-describedby"] = " ".join([*decrit, identifiant])
