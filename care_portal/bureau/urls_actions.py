"""The bulk actions (views_actions.py), included under /bureau/actions/ in the ``bureau`` namespace."""

from django.urls import path

from . import views_actions

urlpatterns = [
    path("", views_actions.historique, name="actions_historique"),
    path("confirmer/", views_actions.confirmer, name="actions_confirmer"),
    path("rapports/<uuid:pk>/", views_actions.rapport, name="actions_rapport"),
    path("archives/<uuid:pk>/", views_actions.archive, name="actions_archive"),
    path("archives/<uuid:pk>/etat/", views_actions.archive_etat, name="actions_archive_etat"),
]
