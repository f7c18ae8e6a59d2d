"""`manage.py document --project CODE REFERENCE FILE.pdf [--template NAME] [--preview]`: a record's document as PDF.

Without --template the record's default document: the first its flow offers (the
subscription's 认购书, the contract's draft …), else the receipt of its latest payment.
The document is issued like a print from the record page (an original, or a numbered
copy when nothing it says changed), so what a script printed is on file; --preview
renders it as it would be issued and stores nothing (checks, template trials).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from documents import issuing
from documents.rendering import FontsMissing, pdf
from engine.models import Record
from kernel.models import Project


class Command(BaseCommand):
    help = "Write a record's document (its default one, or --template NAME) as an A4 PDF."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the record's reference, e.g. DEMO-SUB-000001")
        parser.add_argument("file", help="the PDF to write")
        parser.add_argument("--project", required=True, help="the project's code")
        parser.add_argument("--template", help="the document's name (default: the record's first document)")
        parser.add_argument("--preview", action="store_true", help="render without issuing (nothing stored)")

    def handle(self, *args, reference, file, project, template, preview, **options):
        if not file.lower().endswith(".pdf"):
            raise CommandError(f"{file}: give a .pdf file name")
        found = Project.objects.filter(code=project).first()
        if found is None:
            raise CommandError(f"no project {project}")
        record = Record.objects.select_related("project").filter(project=found, reference=reference).first()
        if record is None:
            raise CommandError(f"{found.code} has no record {reference}")
        offered = issuing.offers(found.pk, record.flow)
        if template is None:
            has_payments = record.pk in issuing.records_with_payments([record.pk])
            choices = [o for o in offered if not o.per_payment] or [o for o in offered if o.per_payment and has_payments]
            if not choices:
                raise CommandError(f"{reference} offers no document (its flow {record.flow} has none and it took "
                                   "no payment)")
            template = choices[0].name
        try:
            if preview:
                chosen = issuing.offer(record, template)
                html = issuing.preview(record, chosen, issuing.default_payment(record, chosen))
                label = "preview"
            else:
                issued = issuing.issue(record, template)
                html = issued.html
                label = issued.reference + (f" copy {issued.copy_number}" if issued.copy_number else "")
            data = pdf(html)
        except issuing.DocumentError as error:
            raise CommandError(error.en) from error
        except FontsMissing as error:
            raise CommandError(str(error)) from error
        Path(file).write_bytes(data)
        self.stdout.write(f"{file}: {template} of {reference} ({label}, {len(data)} bytes)")
