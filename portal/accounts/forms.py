"""Forms for a person's own account: sign-in, codes, password reset email, settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import TokenScope, User


class EmailAuthenticationForm(AuthenticationForm):
    """Email + password. Emails are matched case-insensitively (EmailUserManager.get_by_natural_key)."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account. Check them and try again."),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class ConfirmPasswordForm(forms.Form):
    """Re-enter the password before turning a protection off."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password


class LocalisedPasswordResetForm(PasswordResetForm):
    """Sends the reset email in the recipient's preferred language."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        language = getattr(context.get("user"), "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email, **kwargs)


e164 = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    _("Enter the number in international format, starting with + and the country code, e.g. +13125550123."),
)


class PhoneField(forms.CharField):
    """Accepts the spaces, dashes and brackets people type, stores bare E.164."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(ch for ch in value if ch not in " -().")


class AccountSettingsForm(forms.ModelForm):
    phone = PhoneField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        validators=[e164],
        help_text=_("For text reminders. International format, e.g. +13125550123. Leave empty for no texts."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "preferred_language", "phone"]
        labels = {"preferred_language": _("Preferred language")}
        help_texts = {"preferred_language": _("Used for these pages after you sign in, and for emails and texts.")}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()


class ApiTokenForm(forms.Form):
    """A new personal API token: a name to recognise it by, and what it may do."""

    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("For example, the script that will use it."))
    scope = forms.ChoiceField(label=_("What it may do"), choices=TokenScope.choices, initial=TokenScope.READ)
