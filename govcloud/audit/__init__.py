"""`govcloud audit`: the policy pack over the live cloud (one rule, two evidence sources)."""
