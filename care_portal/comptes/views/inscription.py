"""Placeholder: being written (Accounts issue)."""
from django.http import HttpResponse


def inscription(request, *args, **kwargs):
    return HttpResponse(status=501)


def inscription_envoyee(request, *args, **kwargs):
    return HttpResponse(status=501)


def invitation(request, *args, **kwargs):
    return HttpResponse(status=501)


def invitations(request, *args, **kwargs):
    return HttpResponse(status=501)


def py(request, *args, **kwargs):
    return HttpResponse(status=501)


def rattachement_confirmer(request, *args, **kwargs):
    return HttpResponse(status=501)


def rattachement_refuser(request, *args, **kwargs):
    return HttpResponse(status=501)


def rattachements(request, *args, **kwargs):
    return HttpResponse(status=501)


def recherche_etablissements(request, *args, **kwargs):
    return HttpResponse(status=501)


def verifier_email(request, *args, **kwargs):
    return HttpResponse(status=501)

