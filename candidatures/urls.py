"""Candidature pages: the ES dossier (fill, submit, withdraw), the ARS queue and instruction, the
dossier's messages. Every action is a POST (README: access pattern; STYLE.md: views)."""

from django.urls import path

from . import views, views_convention

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
    # the convention
    path("<int:pk>/convention/", views_convention.convention, name="convention"),
    path("<int:pk>/convention/envoyer/", views_convention.envoyer, name="convention_envoyer"),
    path("<int:pk>/convention/renvoyer/", views_convention.renvoyer, name="convention_renvoyer"),
    path("<int:pk>/convention/relancer/", views_convention.relancer, name="convention_relancer"),
    path("convention/signer/<str:jeton>/", views_convention.signer, name="convention_signer"),
    path("convention/signer/<str:jeton>/pdf/", views_convention.pdf, name="convention_pdf"),
    path("conventions/contresigner/", views_convention.contresigner, name="contresigner"),
    path("conventions/contresigner/lots/<int:pk>/", views_convention.contresigner_lot, name="contresigner_lot"),
    path("signature/yousign/rappel/", views_convention.rappel_yousign, name="rappel_yousign"),
]
