"""`govcloud migrate`: legacy specialised-network (专网) applications onto the platform.

A legacy application is described in catalog/legacy/<app>.yaml (model.py); observed
connections may come from a flow CSV (discover.py). plan.py turns both into a tenant spec,
catalog flows, boundary findings and migration waves; verify.py proves the tenant against the
real catalog loader and policy pack before anything is written; render.py writes it out;
portfolio.py orders several applications into waves (`migrate waves`).
"""
