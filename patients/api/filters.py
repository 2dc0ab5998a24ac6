"""Query filters of the clinical record API (django-filter).

`phase` filters by the id alone (a NumberFilter, not a ModelChoiceFilter): a choice filter would
answer 400 for an unknown id and 200 for another child's, telling a caller which ids exist.
"""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from patients.models import TimelineEntry


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TimelineEntryFilter(django_filters.FilterSet):
    phase = IdFilter(field_name="phase_id", help_text="A treatment phase id of this child.")

    class Meta:
        model = TimelineEntry
        fields = {"kind": ["exact"], "occurred_on": ["gte", "lte"]}
