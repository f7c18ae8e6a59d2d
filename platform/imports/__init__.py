"""Spreadsheets in and out: django-import-export resources, import jobs with progress, exports (docs/imports.md)."""
