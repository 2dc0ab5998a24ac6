"""Query filters of the clinical record API (django-filter).

`phase` filters by the id alone (a NumberFilter, not a ModelChoiceFilter): a choice filter would
answer 400 for an unknown id and 200 for another child's, telling a caller which ids exist.
"""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from patients.models import TimelineEntry
from patients.models.timeline import MRD_TIMEPOINT_CHOICES


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TimelineEntryFilter(django_filters.FilterSet):
    phase = IdFilter(field_name="phase_id", help_text="A treatment phase id of this child.")

    class Meta:
        model = TimelineEntry
        fields = {"kind": ["exact"], "occurred_on": ["gte", "lte"]}


class MrdEntryFilter(django_filters.FilterSet):
    timepoint = django_filters.ChoiceFilter(
        field_name="mrd__timepoint", choices=MRD_TIMEPOINT_CHOICES, help_text="The protocol timepoint of the MRD test."
    )

    class Meta:
        model = TimelineEntry
        fields = {"occurred_on": ["gte", "lte"]}
