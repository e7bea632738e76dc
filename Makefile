# govcloud: `make lab` runs the main job on the sample zone, `make test` runs every test.
# Both set up what they need (Debian packages, .venv with pinned packages) on Debian 12.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STACK ?= lab
CATALOG ?= catalog
# Debian packages beyond the basics: Graphviz draws the report's topology, Chromium (headless)
# and the CJK fonts render and test the report's page.
HOST_PACKAGES := graphviz chromium fonts-noto-cjk podman runc debootstrap nftables openssh-client qemu-system-x86 qemu-utils

.PHONY: help setup lab validate plan check isolation report inventory lab-up lab-verify evidence test test-vm lint typecheck pytest pytest-trust pytest-rest schema clean

help:
	@echo "make lab        validate, plan (out/plan.json), check the policy pack (out/check.sarif),"
	@echo "                prove zone isolation, bring the lab up and harden it (govcloud lab up),"
	@echo "                check the proof with packets (lab verify), collect host evidence"
	@echo "                (out/evidence/hosts.json) and write the auditor report (out/report/)."
	@echo "                The lab stays up: govcloud lab down removes it."
	@echo "make report     the auditor report of out/plan.json into out/report/ (index.html, report.json)"
	@echo "make test       ruff, mypy, ansible-lint and the whole pytest suite"
	@echo "make test-vm    the kernel-side host checks in a qemu VM (auditd, kernel sysctls, chrony)"
	@echo "make schema     regenerate schema/*.json from the catalog model"
	@echo "make clean      remove .venv and out/"

setup: $(STAMP)

# Rebuilt whenever the pins, the package metadata or the host package list change.
$(STAMP): requirements.txt pyproject.toml scripts/setup-host.sh Makefile
	scripts/setup-host.sh $(HOST_PACKAGES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

validate: $(STAMP)
	$(BIN)/govcloud validate --catalog $(CATALOG)

plan: validate
	$(BIN)/govcloud plan --catalog $(CATALOG) --stack $(STACK) --out out/plan.json

# The gates: a violated mandatory policy or a failed isolation claim stops `make lab` (exit 1).
check: plan
	$(BIN)/govcloud check --catalog $(CATALOG) --plan out/plan.json
	$(BIN)/govcloud check --catalog $(CATALOG) --plan out/plan.json --format sarif --out out/check.sarif

isolation: plan
	$(BIN)/govcloud isolation --catalog $(CATALOG) --plan out/plan.json

report: plan
	$(BIN)/govcloud report --catalog $(CATALOG) --plan out/plan.json --out out/report \
		$(foreach f,$(wildcard out/evidence/*.json),--host-evidence $(f))

inventory: plan
	$(BIN)/govcloud inventory --plan out/plan.json --out out/inventory/hosts.yml

lab-up: check isolation
	$(BIN)/govcloud lab up --catalog $(CATALOG) --plan out/plan.json

lab-verify: lab-up
	$(BIN)/govcloud lab verify --catalog $(CATALOG) --plan out/plan.json

# The host checks against the running lab become the report's host evidence; a failing check
# still gets its report written, then fails the run.
# testinfra's ansible backend runs ansible-inventory and ansible from PATH: the venv's.
EVIDENCE := out/evidence/hosts.json
HOST_CHECKS := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q -p no:cacheprovider tests/hosts --hosts 'ansible://all' \
	--ansible-inventory inventories/lab/hosts.yml --sudo --evidence $(EVIDENCE)

evidence: lab-up
	rm -f $(EVIDENCE)
	$(HOST_CHECKS)

lab: check isolation lab-up lab-verify
	rm -f $(EVIDENCE)
	status=0; $(HOST_CHECKS) || status=$$?; $(MAKE) --no-print-directory report && exit $$status

schema: $(STAMP)
	$(BIN)/govcloud schema --out schema

lint: $(STAMP)
	$(BIN)/ruff check govcloud stacks policies tests bench inventories playbooks scripts
	# The tools the roles install are Python without a .py suffix: named one by one.
	$(BIN)/ruff check $(wildcard roles/*/files/usr/local/sbin/govcloud-*)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production roles playbooks

typecheck: $(STAMP)
	$(BIN)/mypy

# The VM's hardening run (about 10 minutes under software emulation) is `make test-vm`.
# Two pytest runs side by side, since neither keeps both cores busy: the trust services' zone
# (tests/trust, about 12 minutes of converges) and everything else. Their lines interleave, each
# whole and marked [trust] or [rest]; each run ends with its own summary and its 10 slowest steps
# (where the minutes go). The trust services' functional tests are evidence too (docs/report.md).
pytest: $(STAMP)
	$(MAKE) --no-print-directory -j2 pytest-trust pytest-rest

# pipefail: pytest's exit status, not sed's
pytest-trust: $(STAMP)
	bash -o pipefail -c '$(BIN)/pytest -p no:cacheprovider --durations=10 --evidence out/evidence/trust.json \
		tests/trust 2>&1 | sed -u "s/^/[trust] /"'

pytest-rest: $(STAMP)
	bash -o pipefail -c '$(BIN)/pytest -p no:cacheprovider -m "not vm_hardening" --durations=10 --ignore=tests/trust \
		2>&1 | sed -u "s/^/[rest] /"'

test-vm: $(STAMP)
	$(BIN)/pytest tests/vm

test: lint typecheck pytest

clean:
	rm -rf $(VENV) out
