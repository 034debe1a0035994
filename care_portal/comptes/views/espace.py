"""Placeholder: being written (Accounts issue)."""
from django.http import HttpResponse


def accueil_role(request, *args, **kwargs):
    return HttpResponse(status=501)


def en_attente(request, *args, **kwargs):
    return HttpResponse(status=501)


def espace_admin(request, *args, **kwargs):
    return HttpResponse(status=501)


def espace_es(request, *args, **kwargs):
    return HttpResponse(status=501)


def file_ars(request, *args, **kwargs):
    return HttpResponse(status=501)


def py(request, *args, **kwargs):
    return HttpResponse(status=501)


def vue_nationale(request, *args, **kwargs):
    return HttpResponse(status=501)

