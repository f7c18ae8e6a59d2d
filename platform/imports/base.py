"""What every kind of import shares: its context, and a django-import-export ModelResource that checks first.

Each kind is a `KindResource`: its fields read the cells (widgets.py), `check` adds the
rules a cell alone cannot say (a unit in a live deal, a protected customer), raising a
ValidationError keyed by column. The runner uses each resource twice: once as a dry run
over the whole file (nothing is written: bulk writes are dropped), once, only if no row
had a problem, for real inside one transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from import_export import resources
from import_export.instance_loaders import CachedInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kernel.models import Project

from .columns import Column
from .keys import KeyMap


class KeyLoader(CachedInstanceLoader):
    """The chunk's instances by their key in one query; a row whose key cell is wrong is new (and refused there)."""

    def __init__(self, resource, dataset=None):
        self.resource, self.dataset = resource, dataset
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        keys = {key for row in (dataset.dict if dataset is not None else ()) if (key := self._key(row)) is not None}
        query = resource.get_queryset().filter(**{f"{self.pk_field.attribute}__in": keys})
        self.all_instances = {self.pk_field.get_value(instance): instance for instance in query}

    def _key(self, row):
        try:
            return self.pk_field.clean(row)
        except (ValueError, KeyError):
            return None

    def get_instance(self, row):
        key = self._key(row)
        return self.all_instances.get(key) if key is not None else None


@dataclass
class Context:
    project: Project
    user: Any  # the person importing (None from a script without --user)
    language: str
    job_id: int | None = None
    writing: bool = False  # False: the dry run that checks; True: the write phase
    notes: dict[str, int] = field(default_factory=dict)  # counted facts for the summary ("settlements started")
    # natural keys met so far in the file (a key twice is a problem), off the Python heap (keys.py)
    seen: KeyMap = field(default_factory=KeyMap)
    # the price list's (unit id, old price, new price) per unit it changes, for the price-change log
    price_lines: list = field(default_factory=list)

    def count(self, note: str, n: int = 1) -> None:
        self.notes[note] = self.notes.get(note, 0) + n


class KindResource(resources.ModelResource):
    columns: ClassVar[Sequence[Column]] = ()
    key_column: ClassVar[str] = ""  # the natural key's column: twice in one file is a problem
    # import-export's buffers of rows to write (import-export ships no types)
    create_instances: list
    update_instances: list

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx = ctx
        self._import_fields: list | None = None
        self._before: tuple[object, dict] = (None, {})  # the row being read: its instance and its snapshot

    class Meta:
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True  # by `skip_row` below, from the snapshot `import_instance` takes
        skip_diff = True  # import-export's own diff deep-copies every known instance: most of a reload's time
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False
        instance_loader_class = KeyLoader

    # -- the checks -------------------------------------------------------------------
    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        before = self.snapshot(instance)
        self._before = (instance, before)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            self.check(instance, row, before, set(errors))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if self.key_column and self.key_column not in errors:
            if not self.ctx.seen.add(self.natural_key(instance, row)):
                errors.setdefault(self.key_column, []).append(
                    ValidationError(self.duplicate_message(), code="duplicate"))
        if errors:
            raise ValidationError(errors)

    def snapshot(self, instance) -> dict:
        """The instance's values before the row is read into it (for `check` to see what would change)."""
        return {f.attribute: f.get_value(instance) for f in self.get_import_fields() if f.attribute} \
            if instance.pk else {}

    def get_import_fields(self):
        # asked five times a row and the same for the whole file (the fields are set up in __init__)
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A known row whose cells change nothing is left alone (not written, no history row)."""
        if import_validation_errors or instance.pk is None:
            return False
        read, before = self._before
        return read is instance and before == self.snapshot(instance)

    def check(self, instance, row, before: dict, failed: set[str]) -> None:
        """Rules beyond one cell; raise ValidationError({column: message}). `failed`: columns already refused."""

    def natural_key(self, instance, row) -> object:
        return row.get(self.key_column)

    def duplicate_message(self) -> str:
        from django.utils.translation import gettext

        return gettext("appears twice in the file")

    # -- writing ----------------------------------------------------------------------
    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or not self.ctx.writing:
            self.create_instances.clear()
            return
        if self.create_instances:
            instances, self.create_instances = list(self.create_instances), []
            self.before_bulk_create(instances)
            if _has_history(self._meta.model):
                bulk_create_with_history(instances, self._meta.model, batch_size=batch_size or 1000,
                                         default_user=_user_or_none(self.ctx.user))
            else:
                self._meta.model.objects.bulk_create(instances, batch_size=batch_size or 1000)
            self.after_bulk_create(instances)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or not self.ctx.writing:
            self.update_instances.clear()
            return
        if self.update_instances:
            instances, self.update_instances = list(self.update_instances), []
            fields = [self.fields[f].attribute for f in self.get_bulk_update_fields()
                      if self.fields[f].attribute and not self.fields[f].readonly]
            if _has_history(self._meta.model):
                bulk_update_with_history(instances, self._meta.model, fields, batch_size=batch_size or 1000,
                                         default_user=_user_or_none(self.ctx.user))
            else:
                self._meta.model.objects.bulk_update(instances, fields, batch_size=batch_size or 1000)
            self.after_bulk_update(instances)

    def before_bulk_create(self, instances: list) -> None:
        """Fill what the rows do not say (project, foreign keys made in this phase)."""

    def after_bulk_create(self, instances: list) -> None:
        """Write what hangs off the new rows (registrations of new customers)."""

    def after_bulk_update(self, instances: list) -> None:
        """Write what follows from changed rows (a price list's lines)."""


def _has_history(model) -> bool:
    """Units and customers keep their history (django-simple-history): bulk writes add its rows too."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None
