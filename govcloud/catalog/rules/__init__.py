"""Rules that need the whole catalog: references, address plan, approvals, quotas.

The loader calls the check_* functions; each module holds one kind of rule.
"""

from govcloud.catalog.rules.common import Checked
from govcloud.catalog.rules.flow_rules import check_flows
from govcloud.catalog.rules.platform_rules import check_placements, check_platform
from govcloud.catalog.rules.tenant_rules import check_tenant
from govcloud.catalog.rules.zone_rules import check_address_plan, check_name_collisions, check_quotas

__all__ = [
    "Checked",
    "check_address_plan",
    "check_flows",
    "check_name_collisions",
    "check_placements",
    "check_platform",
    "check_quotas",
    "check_tenant",
]
