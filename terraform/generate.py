"""Generated files of the provider, and the check that the committed ones are current.

``python -m terraform.generate``          rewrites ``terraform/spec_fields.py`` and ``terraform/docs/``
``python -m terraform.generate --check``  exits 1 listing every stale file (the test runs this)

- ``spec_fields.py``: the description and default of every field of ``core.spec.EndpointSpec``
  (flattened paths such as ``variants[].port``), so the provider describes attributes and drops
  default values without importing pydantic at start-up; and, from the platform registry
  (``core.targets``), each platform's target keys, the replacement attributes and the secret kinds.
- ``docs/``: one Markdown page per resource, data source and the provider, from the Terraform
  schemas' descriptions (which come from ``spec_fields``).

This module imports ``core`` (pydantic, no cloud SDK) and is never imported by the running provider.
"""

from __future__ import annotations

import argparse
import json
import pprint
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args, get_origin

__all__ = ["spec_fields", "render_spec_fields", "render_docs", "outputs", "main"]

ROOT = Path(__file__).resolve().parent


def _models(annotation: Any) -> list[type]:
    """The pydantic models inside an annotation (``X | None``, ``list[X]``, unions)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models(arg)]


def _default(info: Any) -> tuple[bool, Any]:
    """(has a default, the default as JSON data)."""
    from pydantic import BaseModel
    from pydantic_core import PydanticUndefined

    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined:
        return False, None
    else:
        value = info.default
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return True, value


def spec_fields() -> dict[str, dict[str, Any]]:
    """Every field of the spec: path -> ``{"description", "default"?}`` (no "default": required)."""
    from core.spec import EndpointSpec

    out: dict[str, dict[str, Any]] = {}

    def walk(model: type, prefix: str) -> None:
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            path = f"{prefix}{name}"
            entry: dict[str, Any] = {"description": info.description or ""}
            has_default, default = _default(info)
            if has_default:
                entry["default"] = default
            if path not in out or not out[path]["description"]:
                out[path] = entry
            nested = _models(info.annotation)
            listed = get_origin(info.annotation) is list
            for sub in nested:
                walk(sub, f"{path}[]." if listed else f"{path}.")

    walk(EndpointSpec, "")
    return dict(sorted(out.items()))


def platform_shape() -> tuple[dict[str, tuple[str, ...]], list[str], list[str]]:
    """From the platform registry: platform -> its target keys (besides ``platform``), the attributes
    whose change replaces a deployment (its name, the platform, and every platform's
    ``Capabilities.replacement`` target fields), and the secret-reference kinds."""
    from core import registry
    from core.spec_env import SECRET_SOURCES
    from core.targets import PLATFORMS

    targets = {name: tuple(k for k in p.target.model_fields if k != "platform") for name, p in PLATFORMS.items()}
    replace = {"name", "platform"}
    for name in PLATFORMS:
        caps = registry.capabilities(name)
        for path in (caps.replacement if caps is not None else {}):
            if not path.startswith("target.") or "*" in path or "." in path.removeprefix("target."):
                raise ValueError(f"{name}: replacement rule {path!r} is not a target field")
            replace.add(path.removeprefix("target."))
    return targets, sorted(replace), list(SECRET_SOURCES)


def render_spec_fields() -> str:
    fields = spec_fields()
    body = pprint.pformat(fields, width=110, sort_dicts=True)
    targets, replace, secret_kinds = platform_shape()
    return (
        '"""The spec\'s fields: description and default (absent: required), by flattened path; each\n'
        "platform's target keys, the attributes that force replacement and the secret-reference kinds.\n\n"
        "GENERATED from ``core.spec`` and the platform registry ``core.targets`` by\n"
        "``python -m terraform.generate``: do not edit by hand; a test fails when it is stale.\"\"\"\n\n"
        "from typing import Any\n\n"
        '__all__ = ["FIELDS", "TARGET", "REPLACE", "SECRET_KINDS"]\n\n'
        f"FIELDS: dict[str, dict[str, Any]] = {body}\n\n"
        f"TARGET: dict[str, tuple[str, ...]] = {pprint.pformat(targets, width=110, sort_dicts=False)}\n"
        '"""Platform -> its ``target`` keys (besides ``platform``), each a top-level attribute."""\n\n'
        f"REPLACE: frozenset[str] = frozenset({pprint.pformat(replace, width=100, compact=True)})\n"
        '"""Attributes whose change replaces the deployment: its name, the platform, and every platform\'s\n'
        '``Capabilities.replacement`` (where it lives)."""\n\n'
        f"SECRET_KINDS: tuple[str, ...] = {tuple(secret_kinds)!r}\n"
        '"""The secret-reference kinds an ``env_from`` value may name (``<kind>:<reference>``)."""\n'
    )


def _type_name(tf_type: Any) -> str:
    return json.loads(tf_type.tf_type().decode()) if hasattr(tf_type, "tf_type") else str(tf_type)


def _type_text(tf_type: Any) -> str:
    data = _type_name(tf_type)
    if isinstance(data, list):
        return f"{data[0]}({data[1]})"
    return str(data)


def _attribute_rows(attributes: list[Any]) -> list[str]:
    rows = []
    for attr in attributes:
        kind = ("required" if attr.required else "optional" if attr.optional else "computed")
        if attr.computed and attr.optional:
            kind = "optional, computed"
        flags = [kind]
        if attr.requires_replace:
            flags.append("forces replacement")
        if getattr(attr, "write_only", False):
            flags.append("write-only (Terraform >= 1.11)")
        elif attr.sensitive:
            flags.append("sensitive")
        desc = (attr.description or "").replace("\n", " ").replace("|", "\\|")
        rows.append(f"| `{attr.name}` | {_type_text(attr.type)} | {', '.join(flags)} | {desc} |")
    return rows


def _schema_page(title: str, intro: str, schema: Any, example: str | None) -> str:
    lines = [f"# {title}", "", intro.strip(), ""]
    if example:
        lines += ["## Example", "", "```hcl", example.strip(), "```", ""]
    lines += ["## Attributes", "", "| name | type | | description |", "|---|---|---|---|"]
    lines += _attribute_rows(schema.attributes)
    for block in schema.block_types:
        lines += ["", f"## Block `{block.type_name}`", ""]
        if block.block.description:
            lines += [block.block.description.strip(), ""]
        lines += ["| name | type | | description |", "|---|---|---|---|"]
        lines += _attribute_rows(block.block.attributes)
    return "\n".join(lines) + "\n"


def render_docs() -> dict[str, str]:
    """Docs page name -> Markdown, from the Terraform schemas."""
    from terraform import SOURCE
    from terraform.data_sources import DeploymentDataSource, PlatformsDataSource
    from terraform.resource import DeploymentResource
    from terraform.schema import EXAMPLES, provider_schema

    note = ("GENERATED by `python -m terraform.generate` from the provider's schema (descriptions come "
            "from `core.spec`); do not edit by hand.")
    return {
        "index.md": _schema_page(
            "deployanywhere provider",
            f"Source address `{SOURCE}`. Manages deploy-anywhere deployments through the service's REST "
            f"API.\n\n{note}", provider_schema(), EXAMPLES["provider"]),
        "resources/deployment.md": _schema_page(
            "deployanywhere_deployment (resource)", f"{DeploymentResource.get_schema().description}\n\n{note}",
            DeploymentResource.get_schema(), EXAMPLES["resource"]),
        "data-sources/deployment.md": _schema_page(
            "deployanywhere_deployment (data source)", f"{DeploymentDataSource.get_schema().description}\n\n{note}",
            DeploymentDataSource.get_schema(), EXAMPLES["data_deployment"]),
        "data-sources/platforms.md": _schema_page(
            "deployanywhere_platforms (data source)", f"{PlatformsDataSource.get_schema().description}\n\n{note}",
            PlatformsDataSource.get_schema(), EXAMPLES["data_platforms"]),
    }


def outputs() -> dict[Path, str]:
    """Every generated file: path -> expected content. ``spec_fields.py`` first: the docs read it."""
    files = {ROOT / "spec_fields.py": render_spec_fields()}
    files |= {ROOT / "docs" / name: text for name, text in render_docs().items()}
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terraform.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files, write nothing")
    args = parser.parse_args(argv)
    stale = [path for path, text in outputs().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT.parent)} (run: python -m terraform.generate)")
        return 1 if stale else 0
    fields_path, fields_text = ROOT / "spec_fields.py", render_spec_fields()
    if not fields_path.exists() or fields_path.read_text(encoding="utf-8") != fields_text:
        fields_path.write_text(fields_text, encoding="utf-8")
        print(f"wrote {fields_path.relative_to(ROOT.parent)}; rendering the docs from it")
        # The schemas read spec_fields at import: render the docs in a fresh interpreter.
        return subprocess.call([sys.executable, "-m", "terraform.generate"], cwd=ROOT.parent)
    for path, text in outputs().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
