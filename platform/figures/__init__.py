"""Management figures: one definition of each figure, their rollups and the `figures` command (docs/figures.md)."""
