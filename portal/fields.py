"""Model fields shared by every app (the bottom layer: imports nothing of ours)."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property


class BoundedTextField(models.TextField):
    """Free text with a length limit that model validation, forms and DRF serializers all enforce.

    Django passes a TextField's max_length to form fields only; full_clean() and services would
    otherwise accept a megabyte of notes.
    """

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    @cached_property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]
