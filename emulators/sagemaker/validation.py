"""Validation rules and error wording shared by the emulator's SageMaker operations.

Messages follow what the real SageMaker API answers (``ValidationException`` for everything here):

- missing resource: ``Could not find endpoint "arn:...".`` (also ``model``, ``endpoint configuration``)
- duplicate create: ``Cannot create already existing endpoint "arn:...".``
- bad instance type: ``1 validation error detected: Value 'x' at 'productionVariants.1.member.instanceType'
  failed to satisfy constraint: Member must satisfy enum value set: [...]``

Valid instance types are botocore's ``ProductionVariantInstanceType`` enum (the service model shipped
with the installed botocore), not moto's 2019 list.
"""

from __future__ import annotations

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.utils import arn_formatter

from adapters.sagemaker.catalog import instance_types

__all__ = [
    "ValidationError",
    "already_exists",
    "not_found",
    "resource_arn",
    "valid_instance_types",
    "validate_instance_type",
]

# Resource kind as it appears in ARNs -> as it appears in SageMaker's messages.
_KIND_WORDS = {
    "model": "model",
    "endpoint-config": "endpoint configuration",
    "endpoint": "endpoint",
}


def resource_arn(kind: str, name: str, account_id: str, region: str) -> str:
    """The ARN of SageMaker resource ``kind`` ("model", "endpoint-config", "endpoint") named ``name``."""
    return arn_formatter(kind, name, account_id, region)


def not_found(kind: str, arn: str) -> ValidationError:
    """The ValidationException SageMaker raises for a missing model/endpoint configuration/endpoint."""
    return ValidationError(message=f'Could not find {_KIND_WORDS[kind]} "{arn}".')


def already_exists(kind: str, arn: str) -> ValidationError:
    """The ValidationException SageMaker raises when a Create* names an existing resource."""
    return ValidationError(message=f'Cannot create already existing {_KIND_WORDS[kind]} "{arn}".')


def valid_instance_types() -> tuple[str, ...]:
    """Every value of botocore's ``ProductionVariantInstanceType`` enum, in model order: the same
    catalog the adapter's preflight checks (:mod:`adapters.sagemaker.catalog`)."""
    return instance_types()


def validate_instance_type(value: str, path: str) -> None:
    """Raise ValidationException unless ``value`` is a valid real-time instance type.

    ``path`` is the request location used in the message, e.g. ``productionVariants.1.member.instanceType``.
    """
    allowed = valid_instance_types()
    if value not in allowed:
        raise ValidationError(
            message=(
                f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
            )
        )
