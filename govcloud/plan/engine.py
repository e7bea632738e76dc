"""Run the real Pulumi program under Pulumi's mock engine and record every registration.

The mock engine (pulumi.runtime.set_mocks) executes the program exactly as `pulumi up`
would, but answers resource registrations and lookups locally. A MockMonitor subclass
sees what MockResourceArgs does not carry: parent, provider, dependencies and which
inputs are secret.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

SECRET = "[secret]"
UNKNOWN = "[unknown]"
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK_TYPE = "pulumi:pulumi:Stack"
ROUTER_TYPE = "openstack:networking/router:Router"
COMPUTED = "[computed]"


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Recording:
    registrations: list[Registration] = field(default_factory=list)
    lookups: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


def mask(value: Any) -> Any:
    """Plain JSON from Pulumi's wire form: secrets masked, resource references as URNs."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            return SECRET
        if sig == _RESOURCE_SIG:
            return {"resource": value.get("urn")}
        return {k: mask(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct numbers are doubles
    return value


class PlanMocks(Mocks):
    """Deterministic answers: IDs derived from names, lookups from their arguments."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        kind = args.typ.rsplit(":", 1)[-1].lower()
        if args.typ == ROUTER_TYPE and "externalFixedIps" not in state:
            # Neutron picks the gateway address on create; the plan can only name it.
            state["externalFixedIps"] = [{"ipAddress": COMPUTED, "subnetId": COMPUTED}]
        # The type in the ID keeps references unambiguous (a host and a group may share a name).
        return f"{args.name}-{kind}-id", state

    def call(self, args: MockCallArgs) -> dict[Any, Any]:  # type: ignore[override]
        # Mocks.call must return a dict here (a (dict, None) tuple breaks invokes).
        token = args.token.rsplit(":", 1)[-1]
        key = args.args.get("name") or args.args.get("cidr") or "lookup"
        result = dict(args.args)
        result["id"] = f"{token}-{key}"
        return result


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: Mocks, recording: Recording, on_register: Callable[[int], None]) -> None:
        super().__init__(mocks)
        self.recording = recording
        self.on_register = on_register

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the real engine makes them: every ancestor's type, but not the root stack's.

        (MockMonitor keeps only the parent's own type, which can hide or invent duplicates.)
        """
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([settings.get_stack(), settings.get_project(), type_, name])

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != STACK_TYPE:
            self.recording.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    # a provider reference is "<urn>::<id>"
                    provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
                    custom=bool(request.custom),
                    inputs=mask(json_format.MessageToDict(request.object)),
                    dependencies=sorted(set(request.dependencies)),
                    # which input came from which resource: links that hold even while IDs are unknown
                    property_dependencies={
                        key: sorted(set(deps.urns))
                        for key, deps in sorted(request.propertyDependencies.items())
                        if deps.urns
                    },
                )
            )
            self.on_register(len(self.recording.registrations))
        return response

    def Invoke(self, request: Any) -> Any:
        response = super().Invoke(request)  # type: ignore[no-untyped-call]
        result = json_format.MessageToDict(getattr(response, "return"))
        self.recording.lookups.append(
            {"token": request.tok, "args": mask(json_format.MessageToDict(request.args)), "id": result.get("id")}
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == STACK_TYPE:
            self.recording.outputs = mask(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


# Pulumi's runtime allocates a few hundred container objects per resource (tasks, futures,
# Outputs, protobuf wrappers), and some are reference cycles. With the default thresholds
# the collector runs thousands of times per plan and each older-generation pass walks every
# object still alive, so a 10,000-resource plan spent about a third of its time in it.
GC_THRESHOLDS_DURING_RUN = (50_000, 50, 1_000)


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect rarely while the program runs; restore the collector's settings afterwards.

    gc.freeze() moves everything alive now (modules, the loaded catalog) out of the
    collector's sight; with the raised thresholds the few collections that still happen
    only look at what the run itself allocated.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS_DURING_RUN)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def run_offline(
    program: Callable[[], None],
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    on_register: Callable[[int], None] = lambda n: None,
) -> Recording:
    """Run `program` as `pulumi up` would, against the mock engine; return what it registered."""
    recording = Recording()
    monitor = RecordingMonitor(PlanMocks(), recording, on_register)
    # set_mocks makes a bare root stack; drop it so run_in_stack can build the real one,
    # which registers the program's exports as the CLI's entry point does.
    settings.set_root_resource(None)  # type: ignore[arg-type]
    set_mocks(PlanMocks(), project=project, stack=stack, preview=False, monitor=monitor)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_all_config(config, secret_keys)
    settings.SETTINGS.rpc_manager.clear()
    with rare_collections():
        _sync_await(run_in_stack(program))
    return recording
