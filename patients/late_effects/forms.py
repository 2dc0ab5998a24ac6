from django import forms
from django.utils.translation import gettext_lazy as _

from patients.late_effects.models import FollowUpStatus


class CompleteItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    done_on = forms.DateField(label=_("Done on"), widget=forms.DateInput(attrs={"type": "date"}))
    result_note = forms.CharField(
        label=_("Result"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(FollowUpStatus.DECLINED, _("Declined by the family")), (FollowUpStatus.WAIVED, _("Waived"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
