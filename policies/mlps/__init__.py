"""MLPS 2.0 level-3 rules over the govcloud program's OpenStack resources.

Relative imports only: the package is imported as `mlps` by the pack's __main__.py and as
`policies.mlps` by govcloud's offline check.
"""
