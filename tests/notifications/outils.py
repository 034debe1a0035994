"""Helpers of the notification tests: time travel to a Paris wall-clock instant, running a job with
its on-commit e-mails, reading the test mailbox."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.test import TestCase

PARIS = ZoneInfo("Europe/Paris")


def a_paris(jour: datetime.date, heure: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(jour.year, jour.month, jour.day, heure, minute, tzinfo=PARIS)


@contextmanager
def le(instant: datetime.datetime):
    """Travel to ``instant`` (the clock stands still there)."""
    with time_machine.travel(instant, tick=False):
        yield


def executer(job, *args, **kwargs):
    """Run a job and the on-commit effects of what it does (the e-mail tasks, eagerly), as a commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        resultat = job(*args, **kwargs)
    return resultat


def courriels(sujet_contient: str) -> list:
    return [m for m in mail.outbox if sujet_contient in m.subject]
