"""Re-render stored page bodies: body headings now start at h2 under the page title (no skipped level).

Hand-written data migration, kept apart from schema migrations.
"""

from django.db import migrations


def rerender(apps, schema_editor):
    from education.rendering import render_markdown

    Page = apps.get_model("education", "Page")
    for page in Page.objects.only("pk", "body").iterator():
        Page.objects.filter(pk=page.pk).update(body_html=render_markdown(page.body))


class Migration(migrations.Migration):
    dependencies = [("education", "0002_page_working_copy")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
