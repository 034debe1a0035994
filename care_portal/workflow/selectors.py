from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import TransitionLog


def journal_de(obj: Model) -> QuerySet[TransitionLog]:
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    ).select_related("acteur")
