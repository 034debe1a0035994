"""Placeholder: being written (Accounts issue)."""
from django.http import HttpResponse


def codes_secours(request, *args, **kwargs):
    return HttpResponse(status=501)


def connexion(request, *args, **kwargs):
    return HttpResponse(status=501)


def deconnexion(request, *args, **kwargs):
    return HttpResponse(status=501)


def mot_de_passe_changer(request, *args, **kwargs):
    return HttpResponse(status=501)


def mot_de_passe_oublie(request, *args, **kwargs):
    return HttpResponse(status=501)


def mot_de_passe_oublie_envoye(request, *args, **kwargs):
    return HttpResponse(status=501)


def mot_de_passe_reinitialise(request, *args, **kwargs):
    return HttpResponse(status=501)


def mot_de_passe_reinitialiser(request, *args, **kwargs):
    return HttpResponse(status=501)


def py(request, *args, **kwargs):
    return HttpResponse(status=501)


def totp_enrolement(request, *args, **kwargs):
    return HttpResponse(status=501)


def totp_verification(request, *args, **kwargs):
    return HttpResponse(status=501)

