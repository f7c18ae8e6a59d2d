"""Client bundles: a client's whole configuration as files — the format, export, check, diff and load (docs/bundles.md)."""
