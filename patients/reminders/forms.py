from django import forms
from django.utils.translation import gettext_lazy as _

from patients.reminders.models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    lead_days_text = forms.CharField(
        label=_("Remind me this many days before (comma-separated)"), required=False, initial="30, 7", max_length=100
    )

    class Meta:
        model = ReminderPreference
        fields = [
            "email",
            "sms",
            "portal",
            "overdue_nudges",
            "overdue_nudge_cap",
            "quiet_start",
            "quiet_end",
            "language",
            "calendar_details",
        ]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.lead_days:
            self.fields["lead_days_text"].initial = ", ".join(map(str, self.instance.lead_days))

    def clean_lead_days_text(self):
        text = self.cleaned_data["lead_days_text"].strip()
        if not text:
            return []
        try:
            days = sorted({int(part) for part in text.replace(";", ",").split(",") if part.strip()}, reverse=True)
        except ValueError:
            raise forms.ValidationError(_("Use whole numbers separated by commas, e.g. 30, 7."))
        if any(d < 0 or d > 120 for d in days) or len(days) > 4:
            raise forms.ValidationError(_("Up to four numbers between 0 and 120."))
        return days

    def clean_overdue_nudge_cap(self):
        cap = self.cleaned_data["overdue_nudge_cap"]
        if cap > 12:
            raise forms.ValidationError(_("At most 12."))
        return cap

    def clean(self):
        data = super().clean()
        if data.get("sms") and not getattr(self.instance.user, "phone", ""):
            self.add_error("sms", _("Add a mobile number to your account first."))
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", _("Give both the start and the end of quiet hours."))
        return data

    def save(self, commit=True):
        self.instance.lead_days = self.cleaned_data["lead_days_text"]
        return super().save(commit)
