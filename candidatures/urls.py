"""Candidature pages: the ES dossier (fill, submit, withdraw), the ARS queue and instruction, the
dossier's messages. Every action is a POST (README: access pattern; STYLE.md: views)."""

from django.urls import path

from . import views

app_name = "candidatures"

urlpatterns = [
    # ES
    path("etablissement/", views.mes_candidatures, name="mes_candidatures"),
    path("ouvrir/", views.creer, name="creer"),
    # ARS (and ANS, read-only)
    path("instruction/", views.file_instruction, name="file"),
    # the dossier (every role that may see it)
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/enregistrer/", views.enregistrer, name="enregistrer"),
    path("<int:pk>/perimetre/<int:ligne_pk>/", views.perimetre_ajuster, name="perimetre_ajuster"),
    path("<int:pk>/deposer/", views.deposer, name="deposer"),
    path("<int:pk>/retirer/", views.retirer, name="retirer"),
    path("<int:pk>/complement/", views.demander_complement, name="demander_complement"),
    path("<int:pk>/complete/", views.declarer_complete, name="declarer_complete"),
    path("<int:pk>/rejeter/", views.rejeter, name="rejeter"),
    path("<int:pk>/messages/", views.message_envoyer, name="message_envoyer"),
]
