"""The plugins shipped with the platform, one package each: pricing, commission, points.

Each package has a `plugin` module with its hook implementations (see
`extensions.hookspecs`), a `rules.schema.json` for its per-project rules, and an
`example-rules.json` that docs/plugins.md and the tests use.
"""
