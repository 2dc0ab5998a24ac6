from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Patient, PatientStatus
from patients.models.patient import MRNFormField
from patients.models.timeline import PHASE_CHOICES
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


class WorklistForm(PatientSearchForm):
    """The worklist's search, filters, sort and page. A wrong filter value is a field error (400);
    an unknown sort key is not an error, it falls back to the default order (patients.worklist)."""

    MAX_PAGE = 10000

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *PatientStatus.choices]
    )
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", _("Any phase")), *PHASE_CHOICES])
    overdue = forms.BooleanField(label=_("Only with overdue follow-ups"), required=False)
    questions = forms.BooleanField(label=_("Only with open family questions"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def clean_sort(self):
        return (self.cleaned_data.get("sort") or "")[:20]

    def clean_page(self):
        return self.cleaned_data.get("page") or 1


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
