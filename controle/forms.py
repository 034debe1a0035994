"""Forms of the control pages: validation only, the services decide (STYLE.md)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from candidatures.forms import ChampFichiers
from care_portal.core.forms import ChampsDsfrMixin

from .models import Controle, Modalite
from .services import DUREES


class ControleursField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class ControleurField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class PlanificationForm(ChampsDsfrMixin, forms.Form):
    modalite = forms.ChoiceField(label="Modalité", choices=Modalite.choices, widget=forms.RadioSelect,
                                 error_messages={"required": "Choisissez la modalité du contrôle."})
    date = forms.DateField(label="Date du contrôle", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"required": "Indiquez la date du contrôle.",
                                           "invalid": "La date du contrôle est invalide."})
    heure = forms.TimeField(label="Heure (heure de Paris)", widget=forms.TimeInput(attrs={"type": "time"},
                                                                                   format="%H:%M"),
                            error_messages={"required": "Indiquez l'heure du contrôle.",
                                            "invalid": "L'heure du contrôle est invalide."})
    duree_minutes = forms.TypedChoiceField(label="Durée", coerce=int, initial=120,
                                           choices=[(d, f"{d // 60} h {d % 60:02d}" if d % 60 else f"{d // 60} h")
                                                    for d in DUREES])
    lieu = forms.CharField(label="Lien de la visioconférence ou adresse du contrôle sur site", max_length=500,
                           help_text="Visioconférence : un lien https://… ; sur site : l'adresse et la salle.",
                           error_messages={"required": "Indiquez le lien de la réunion ou l'adresse."})
    controleurs = ControleursField(label="Contrôleurs assignés", queryset=None, widget=forms.CheckboxSelectMultiple,
                                   error_messages={"required": "Assignez au moins un contrôleur ANS."})

    def __init__(self, *args, controleurs, controle: Controle | None = None, **kwargs):
        kwargs.setdefault("prefix", "planification")
        if controle is not None and controle.date_prevue and "initial" not in kwargs:
            local = timezone.localtime(controle.date_prevue)
            kwargs["initial"] = {"modalite": controle.modalite, "date": local.date(), "heure": local.time(),
                                 "duree_minutes": controle.duree_minutes, "lieu": controle.lieu,
                                 "controleurs": list(controle.controleurs.all())}
        super().__init__(*args, **kwargs)
        self.fields["controleurs"].queryset = controleurs
        self.fields["duree_minutes"].widget.attrs["class"] = "fr-select"
        for nom in ("modalite", "controleurs"):
            self.fields[nom].widget.attrs.pop("class", None)

    def date_prevue(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["heure"]))


class MessageForm(ChampsDsfrMixin, forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, libelle: str, message_requis: str, requis: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["message"]
        champ.label, champ.required = libelle, requis
        champ.error_messages["required"] = message_requis


def formulaire_demande(*args, **kwargs) -> MessageForm:
    return MessageForm(*args, prefix="demande", libelle="Informations demandées à l'établissement",
                       message_requis="Précisez les informations que l'établissement doit fournir.", **kwargs)


class ReponseForm(MessageForm):
    documents = ChampFichiers(label="Documents (facultatif)", required=False, allow_empty_file=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reponse", libelle="Votre réponse", requis=False,
                         message_requis="Écrivez votre réponse.", **kwargs)
        self.fields["documents"].widget.attrs["class"] = "fr-upload"


ETATS_FILTRE = [("", "Tous les états"), *Controle.Etat.choices]


class FiltrePlanningForm(forms.Form):
    etat = forms.ChoiceField(label="État", choices=ETATS_FILTRE, required=False)
    semaine = forms.CharField(label="Semaine ISO", required=False, max_length=8,
                              help_text="Par exemple 2025-S14",
                              widget=forms.TextInput(attrs={"pattern": r"\d{4}-S\d{2}"}))

    def __init__(self, *args, controleurs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controleur"] = ControleurField(label="Contrôleur", queryset=controleurs, required=False,
                                                    empty_label="Tous")
        self.order_fields(["etat", "controleur", "semaine"])
        for nom in ("etat", "controleur"):
            self.fields[nom].widget.attrs["class"] = "fr-select"
        self.fields["semaine"].widget.attrs["class"] = "fr-input"
        self.fields["semaine"].widget.attrs["aria-describedby"] = "id_semaine_helptext"

    def filtres(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
