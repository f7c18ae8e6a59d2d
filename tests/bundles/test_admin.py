"""The client templates a bundle installed, in the Django admin: listed and read, never edited there."""
from django.urls import reverse

from engine.models import ClientTemplate
from tests.bundles.conftest import SAMPLES, bundle


def test_the_admin_lists_and_shows_a_client_template_read_only(admin_client):
    assert bundle("load", str(SAMPLES / "harbour-homes")).code == 0
    template = ClientTemplate.objects.get()
    listing = admin_client.get(reverse("admin:engine_clienttemplate_changelist")).content.decode()
    assert template.name in listing and template.source in listing
    page = admin_client.get(reverse("admin:engine_clienttemplate_change", args=[template.pk])).content.decode()
    first_schema = sorted(template.schema_texts)[0]
    assert f"<strong>{first_schema}</strong>" in page and 'name="flow_text"' not in page  # shown, not a field
    assert admin_client.get(reverse("admin:engine_clienttemplate_add")).status_code == 403
    assert admin_client.post(reverse("admin:engine_clienttemplate_delete", args=[template.pk]),
                             {"post": "yes"}).status_code == 403
    assert ClientTemplate.objects.filter(pk=template.pk).exists()
