"""Includes the lead can drop into other apps' pages:

* patient record (clinician):  {% load education_tags %}{% record_education patient %}
* family child page:           {% load education_tags %}{% family_education patient %}

Both expect `patient` already resolved through portal.access by the page's own view.
"""

from django import template

from education import selectors, vocabulary
from patients import care_moments
from portal.access import care_team_patients
from portal.models import Role

register = template.Library()


@register.inclusion_tag("education/includes/record_education.html", takes_context=True)
def record_education(context, patient):
    user = context["request"].user
    on_team = user.role == Role.CLINICIAN and care_team_patients(user).filter(pk=patient.pk).exists()
    return {"patient": patient, "questions": selectors.open_questions_for_record(user, patient), "can_send": on_team}


@register.inclusion_tag("education/includes/family_education.html", takes_context=True)
def family_education(context, patient, limit=3):
    from django.utils.translation import get_language

    user = context["request"].user
    moments = care_moments.care_moments_for(patient, user=user)
    matches = selectors.for_you_now(user, patient, (get_language() or "en")[:2], moments, limit=limit)
    open_count = len(selectors.family_questions(user, patient, open_only=True))
    return {"patient": patient, "pages": [p for p, _ in matches], "open_count": open_count}


@register.filter
def topic_name(topic, language):
    return topic.name_for((language or "en")[:2])


@register.filter
def tag_label(key):
    return vocabulary.label(key)
