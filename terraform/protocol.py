"""Write-only attributes (plugin protocol 6.8, Terraform >= 1.11) on top of ``tf`` 1.2.0.

``tf`` 1.2.0 (pinned in the ``terraform`` extra) ships a tfplugin6 that predates protocol 6.8: its
``Schema.Attribute`` has no ``write_only`` field, there is no ``ClientCapabilities`` message, and
its servicer neither passes the configuration to ``create``/``update`` nor keeps values out of
what it returns. This module adds exactly that, without touching the installed library:

- **Wire fields.** :data:`FILE` is tf's own tfplugin6 descriptor (copied at import) plus
  ``Schema.Attribute.write_only = 11``, ``ClientCapabilities {deferral_allowed = 1;
  write_only_attributes_allowed = 2}`` and ``ValidateResourceConfig.Request.client_capabilities = 3``
  (numbers from ``docs/plugin-protocol/tfplugin6.proto`` of Terraform 1.11), built in a private
  descriptor pool. tf keeps using its own classes; a message passes between the two by its wire
  bytes, and protobuf keeps fields a class does not know as unknown fields, which it serialises
  again. So :class:`WriteOnlyAttribute` returns a tf ``Schema.Attribute`` that carries field 11 to
  Terraform, and the servicer reads ``client_capabilities`` from tf's request the same way.
- **Rules Terraform enforces** (terraform ``internal/plans/objchange/plan_valid.go``,
  ``internal/terraform/*``): a write-only attribute is null in every value the provider returns
  (planned state, new state after apply, read, import, upgrade, move), else "Provider produced
  invalid plan/object"; write-only attributes may not sit inside set-nested blocks
  (``configschema``: "NestingSet blocks may not contain WriteOnly attributes"), and ``tf`` nests
  blocks only as sets: write-only attributes are top-level. A Terraform older than 1.11 ignores
  field 11 and would store the value in plan and state: the provider refuses a configuration that
  sets one unless the client announces ``write_only_attributes_allowed``.
- **Servicer.** :class:`Servicer` (tf's ``ProviderServicer`` plus those rules) hands the
  configuration's write-only values to the resource inside the proposed/planned state
  (``plan``/``create``/``update`` see them as attributes), nulls them in everything it returns, and
  blanks their text out of diagnostics. :func:`serve` runs tf's runner with it: the runner looks
  ``tf.provider.ProviderServicer`` up when it starts (checked by a test, with the pinned version).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from tf import provider as tf_provider
from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute
from tf.utils import Diagnostic, read_dynamic_value, to_dynamic_value

__all__ = ["WriteOnlyAttribute", "Servicer", "serve", "FILE", "message_class", "write_only_names",
           "TF_VERSION", "WRITE_ONLY_FIELD"]

TF_VERSION = "1.2.0"
"""The ``tf`` version this module was written against (``pyproject.toml``'s ``terraform`` extra)."""
WRITE_ONLY_FIELD = 11
"""``Schema.Attribute.write_only`` (protocol 5.8/6.8)."""

_F = descriptor_pb2.FieldDescriptorProto


def _build() -> descriptor_pb2.FileDescriptorProto:
    """tf's tfplugin6 descriptor plus the protocol 6.8 fields this provider uses."""
    fdp = descriptor_pb2.FileDescriptorProto()
    pb.DESCRIPTOR.CopyToProto(fdp)
    fdp.name = "terraform/tfplugin6_write_only.proto"  # its own file in its own pool
    top = {m.name: m for m in fdp.message_type}

    def nested(parent: str, name: str) -> descriptor_pb2.DescriptorProto:
        return next(m for m in top[parent].nested_type if m.name == name)

    def add(message: descriptor_pb2.DescriptorProto, name: str, number: int, **kind: Any) -> None:
        taken = {f.number: f.name for f in message.field}
        if taken.get(number, name) != name:
            raise RuntimeError(f"tfplugin6 {message.name}: field {number} is {taken[number]!r}, expected {name!r}; "
                               f"the tf library changed (written for tf {TF_VERSION})")
        if number not in taken:
            message.field.add(name=name, number=number, label=_F.LABEL_OPTIONAL, **kind)

    add(nested("Schema", "Attribute"), "write_only", WRITE_ONLY_FIELD, type=_F.TYPE_BOOL)
    if "ClientCapabilities" not in top:
        caps = fdp.message_type.add(name="ClientCapabilities")
        add(caps, "deferral_allowed", 1, type=_F.TYPE_BOOL)
        add(caps, "write_only_attributes_allowed", 2, type=_F.TYPE_BOOL)
    add(nested("ValidateResourceConfig", "Request"), "client_capabilities", 3, type=_F.TYPE_MESSAGE,
        type_name=".tfplugin6.ClientCapabilities")
    return fdp


FILE = _build()
_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(FILE)


def message_class(full_name: str) -> Any:
    """The extended class of a tfplugin6 message, e.g. ``"tfplugin6.Schema.Attribute"``."""
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(full_name))


_ATTRIBUTE = message_class("tfplugin6.Schema.Attribute")
_VALIDATE_REQUEST = message_class("tfplugin6.ValidateResourceConfig.Request")


class WriteOnlyAttribute(Attribute):
    """A managed resource's write-only attribute: Terraform never stores its value in plan or state
    and the provider never returns it (it is null in every state). Top level only (see above)."""

    write_only = True

    def __init__(self, name: str, type: Any, **kwargs: Any) -> None:
        if kwargs.get("computed") or kwargs.get("requires_replace"):
            raise ValueError(f"{name}: a write-only attribute is neither computed nor replacing")
        super().__init__(name, type, **kwargs)

    def to_pb(self) -> pb.Schema.Attribute:
        extended = _ATTRIBUTE.FromString(super().to_pb().SerializeToString())
        extended.write_only = True
        return pb.Schema.Attribute.FromString(extended.SerializeToString())  # field 11 rides along


def write_only_names(schema: Any) -> frozenset[str]:
    """Names of a schema's write-only attributes."""
    return frozenset(a.name for a in schema.attributes if getattr(a, "write_only", False))


def _null(value: pb.DynamicValue, names: frozenset[str]) -> None:
    """Set ``names`` to null in an encoded object (in place); a null object stays null."""
    decoded = read_dynamic_value(value)
    if isinstance(decoded, dict) and any(decoded.get(n) is not None for n in names):
        value.CopyFrom(to_dynamic_value({**decoded, **{n: None for n in names if n in decoded}}))


def _with_config(value: pb.DynamicValue, config: Any, names: frozenset[str]) -> None:
    """Put the configuration's write-only values into an encoded (proposed or planned) state."""
    decoded = read_dynamic_value(value)
    if isinstance(decoded, dict) and isinstance(config, dict):
        value.CopyFrom(to_dynamic_value({**decoded, **{n: config.get(n) for n in names}}))


def _secrets(config: Any, names: frozenset[str]) -> list[str]:
    """The configuration's write-only strings, longest first (to blank them out of text)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= 4:  # shorter ones would blank ordinary words
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in names:
        walk(config.get(name) if isinstance(config, dict) else None)
    return sorted(set(found), key=len, reverse=True)


def _scrub(diagnostics: Any, secrets: list[str]) -> None:
    for diag in diagnostics:
        for field in ("summary", "detail"):
            text = getattr(diag, field)
            for secret in secrets:
                if secret in text:
                    text = text.replace(secret, "(write-only value)")
            setattr(diag, field, text)


class Servicer(tf_provider.ProviderServicer):
    """tf's servicer plus write-only attributes (rules in the module docstring)."""

    def _write_only(self, type_name: str) -> frozenset[str]:
        return write_only_names(self._get_res_cls(type_name).get_schema())

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        response = super().ValidateResourceConfig(request, context)
        names = self._write_only(request.type_name)
        config = read_dynamic_value(request.config) if names else None
        if names and isinstance(config, dict):
            set_ = sorted(n for n in names if config.get(n) is not None)
            caps = _VALIDATE_REQUEST.FromString(request.SerializeToString()).client_capabilities
            if set_ and not caps.write_only_attributes_allowed:
                for name in set_:
                    response.diagnostics.append(Diagnostic.error(
                        "Write-only attribute not supported by this Terraform",
                        f"`{name}` is write-only: it needs Terraform 1.11 or later, which never stores its value "
                        f"in plan or state. This Terraform would store it: upgrade Terraform, or leave `{name}` "
                        f"unset.", path=[name]).to_pb())
            _scrub(response.diagnostics, _secrets(config, names))
        return response

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        names = self._write_only(request.type_name)
        if not names:
            return super().PlanResourceChange(request, context)
        config = read_dynamic_value(request.config)
        _with_config(request.proposed_new_state, config, names)
        response = super().PlanResourceChange(request, context)
        _null(response.planned_state, names)
        _scrub(response.diagnostics, _secrets(config, names))
        return response

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        names = self._write_only(request.type_name)
        if not names:
            return super().ApplyResourceChange(request, context)
        config = read_dynamic_value(request.config)
        _with_config(request.planned_state, config, names)  # a destroy's planned state stays null
        response = super().ApplyResourceChange(request, context)
        _null(response.new_state, names)
        _scrub(response.diagnostics, _secrets(config, names))
        return response

    def ReadResource(self, request: Any, context: Any) -> Any:
        response = super().ReadResource(request, context)
        _null(response.new_state, self._write_only(request.type_name))
        return response

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        response = super().ImportResourceState(request, context)
        for imported in response.imported_resources:
            _null(imported.state, self._write_only(imported.type_name))
        return response

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        response = super().UpgradeResourceState(request, context)
        _null(response.upgraded_state, self._write_only(request.type_name))
        return response


def serve(provider: Any, argv: list[str]) -> None:
    """tf's ``run_provider`` with :class:`Servicer` (its runner imports the servicer class when it
    starts, from ``tf.provider``)."""
    from tf import runner

    tf_provider.ProviderServicer = Servicer
    runner.run_provider(provider, argv)
