"""Convention pages. They keep the paths they had under ``candidatures/`` (care_portal/urls.py mounts this
module there too): the signing links already e-mailed and the callback address given to Yousign go on
working. Every action is a POST (README: access pattern)."""

from django.urls import path

from . import views

app_name = "conventions"

urlpatterns = [
    # the ANS's and the ARS's list of conventions
    path("conventions/", views.liste, name="liste"),
    # the convention of a candidature (every role that may see the candidature)
    path("<int:pk>/convention/", views.convention, name="detail"),
    path("<int:pk>/convention/envoyer/", views.envoyer, name="envoyer"),
    path("<int:pk>/convention/renvoyer/", views.renvoyer, name="renvoyer"),
    path("<int:pk>/convention/relancer/", views.relancer, name="relancer"),
    # the signatory's personal link (e-mailed)
    path("convention/signer/<str:jeton>/", views.signer, name="signer"),
    path("convention/signer/<str:jeton>/pdf/", views.pdf, name="pdf"),
    # the DG ANS's countersigning
    path("conventions/contresigner/", views.contresigner, name="contresigner"),
    path("conventions/contresigner/lots/<int:pk>/", views.contresigner_lot, name="contresigner_lot"),
    # the signature provider's callbacks
    path("signature/yousign/rappel/", views.rappel_yousign, name="rappel_yousign"),
]
