"""The REST API under /api/v1/ (docs/api.md): a thin layer over the engine's and kernel's services."""
