"""The plugin host: finds plugins, collects what they declare, and keeps each project's rules.

Plugins (pricing, commission, points, or a client's own package) implement the hooks in
`hookspecs`; `registry` turns their answers into the action declarations the flow
validator checks and the implementations the engine runs; `RuleSet` stores a project's
rule configuration for one plugin, validated against the plugin's JSON Schema.

Plugin authors import from `extensions.api` only.
"""
