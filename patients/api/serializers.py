from rest_framework import serializers

from patients.models import Patient
from patients.models.patient import normalize_mrn
from patients.selectors import SEARCH_MAX_LENGTH
from patients.services import EDITABLE_FIELDS


class PatientSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you loaded; a stale one gets 409.")

    class Meta:
        model = Patient
        fields = ["id", *EDITABLE_FIELDS, "version"]
        read_only_fields = ["id"]

    def validate_mrn(self, value):
        # The uniqueness check before this already compared the canonical form (MRNField.get_prep_value).
        return normalize_mrn(value)


class PatientSearchSerializer(serializers.Serializer):
    """The list's query parameters. CharField refuses NUL bytes and trims; the length is capped."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH, help_text="Name words or an exact MRN."
    )
