"""The SageMaker instance types a real-time endpoint may run on, from botocore's own service model.

Source: the ``ProductionVariantInstanceType`` enum of the ``sagemaker`` service model shipped with the
installed botocore (``botocore/data/sagemaker/2017-07-24/service-2.json``), i.e. what the AWS API
itself declares for ``CreateEndpointConfig`` ``ProductionVariants[].InstanceType``; it moves with
botocore releases (the ``sagemaker`` extra pins botocore's minor). botocore is imported lazily, on
the first lookup, so importing this module costs nothing (``core`` and ``deploy-anywhere --help``
import no SDK). The SageMaker emulator validates against the same list
(:mod:`emulators.sagemaker.validation`); stock moto's own list is from 2019 (platform-facts).

:func:`instance_type_problem` is the preflight rule (pure once the enum is loaded): None for an
offered type, else the reason, with the closest offered types as suggestions.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

__all__ = ["instance_types", "instance_type_problem", "SOURCE"]

SOURCE = "botocore's sagemaker service model, shape ProductionVariantInstanceType"


@lru_cache(maxsize=1)
def instance_types() -> tuple[str, ...]:
    """Every real-time instance type botocore's SageMaker model declares, in model order."""
    import botocore.session  # lazily: the adapter may import botocore, core may not

    model = botocore.session.get_session().get_service_model("sagemaker")
    return tuple(model.shape_for("ProductionVariantInstanceType").enum)


@lru_cache(maxsize=1)
def _offered() -> frozenset[str]:
    return frozenset(instance_types())


def instance_type_problem(value: str) -> str | None:
    """Why SageMaker would refuse ``value`` as a real-time instance type, or None if it is offered."""
    if value in _offered():
        return None
    if not value.startswith("ml."):
        return f"SageMaker instance types start with 'ml.' (got {value!r})"
    close = difflib.get_close_matches(value, instance_types(), n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(close)}?" if close else " (e.g. ml.m5.large, ml.c5.xlarge, ml.g5.xlarge)"
    return f"{value!r} is not a SageMaker real-time endpoint instance type{hint}"
