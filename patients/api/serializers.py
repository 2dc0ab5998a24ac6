from rest_framework import serializers

from patients.models import Patient


class PatientSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you loaded; a stale one gets 409.")

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "preferred_language",
            "status",
            "version",
        ]
        read_only_fields = ["id"]
