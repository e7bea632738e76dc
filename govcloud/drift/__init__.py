"""`govcloud drift`: the live cloud compared with the plan, resource by resource, field by field."""
