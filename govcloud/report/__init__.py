"""The auditor report: per control of policies/controls.yaml its computed status, the policies
implementing it and their evidence (the offline check, the zone isolation proof; host evidence
later), per-tenant summaries, waivers, the reachability matrix and the zone topology.

Format and usage: docs/report.md. Entry point: `govcloud report` (govcloud/report_cmd.py).
"""
