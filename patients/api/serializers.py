from rest_framework import serializers

from patients.models import Patient
from patients.services import EDITABLE_FIELDS


class PatientSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you loaded; a stale one gets 409.")

    class Meta:
        model = Patient
        fields = ["id", *EDITABLE_FIELDS, "version"]
        read_only_fields = ["id"]
