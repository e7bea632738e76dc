"""The offline check: the pack's own policies over the offline plan, with waivers and reports."""
