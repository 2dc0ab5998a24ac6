"""Filters for education templates. Panels other pages show are gathered by education/panels.py."""

from django import template

from education import vocabulary

register = template.Library()


@register.filter
def topic_name(topic, language):
    return topic.name_for((language or "en")[:2])


@register.filter
def tag_label(key):
    return vocabulary.label(key)
