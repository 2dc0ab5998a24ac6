from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from patients.models.patient import MRNFormField
from patients.selectors import SEARCH_MAX_LENGTH
from patients.services import EDITABLE_FIELDS


class PatientForm(forms.ModelForm):
    """Core demographics. `version` carries the version the editor loaded, for conflict detection."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = EDITABLE_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PatientSearchForm(forms.Form):
    """The worklist search. CharField refuses NUL bytes; the length is capped."""

    q = forms.CharField(label=_("Find by name or MRN"), required=False, max_length=SEARCH_MAX_LENGTH)


class BreakGlassForm(forms.Form):
    mrn = MRNFormField(label=_("MRN of the record"), max_length=32)
    date_of_birth = forms.DateField(
        label=_("The child's date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A second check that this is the right child."),
    )
    reason = forms.CharField(
        label=_("Why do you need access to this record?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Your access, and this reason, are recorded and shared with the child's care team."),
    )
