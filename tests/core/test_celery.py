import uuid

import pytest
from django.conf import settings

from care_portal.core.tasks import sante_task


def test_configuration_celery():
    from care_portal.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.worker_max_tasks_per_child == settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    assert "core.sante" in app.tasks


@pytest.mark.django_db
def test_tache_sante_en_mode_embarque():
    """The embedded default runs tasks in-process (task_always_eager), whatever this run's mode."""
    from care_portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        jeton = uuid.uuid4().hex
        result = sante_task.delay(jeton)
        assert result.get(timeout=5)["jeton"] == jeton
        assert result.__class__.__name__ == "EagerResult"
    finally:
        app.conf.task_always_eager = before


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tache_executee_par_un_vrai_worker_via_redis(celery_worker_process):
    jeton = uuid.uuid4().hex
    result = sante_task.delay(jeton)
    valeur = result.get(timeout=30)
    assert valeur["jeton"] == jeton
    assert valeur["base"] == "postgresql"
    # the task ran in the worker process, not here
    assert result.state == "SUCCESS"
    assert result.id
