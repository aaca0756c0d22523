"""Application Auto Scaling of SageMaker variants (boto3 calls only; pure parts in :mod:`.translate`
and :mod:`.reverse`).

Reads are keyed by full identity, never by variant name alone: scalable targets by their exact
resource id ``endpoint/{endpoint}/variant/{variant}``, scaling policies by that resource id and
their name (:func:`.ownership.policy_names`: ours carry the owner uid). The answers are filtered
here as well, so a provider that filters loosely (stock moto ignores ``PolicyNames``) cannot make
one endpoint read another's policy.
"""

from __future__ import annotations

from typing import Any

from adapters.sagemaker import ownership as own
from adapters.sagemaker import reverse as rv
from adapters.sagemaker import translate as tr
from adapters.sagemaker.errors import sdk_errors
from core.errors import NotFound

__all__ = ["VariantScaling"]

_NAMESPACE = "sagemaker"


class VariantScaling:
    """The scalable targets and target-tracking policies of SageMaker variants, through ``client``
    (an ``application-autoscaling`` boto3 client)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def targets(self, name: str, variants: list[str], *, policies: bool = False,
                owner: str | None = None) -> dict[str, rv.ScalingPolicy]:
        """Registered scalable targets of endpoint ``name``'s ``variants``, by variant
        (``policies``: with the target tracking of our policy on each; ``owner``: the uid it carries)."""
        if not variants:
            return {}
        ids = {tr.scaling_resource_id(name, v): v for v in variants}
        with sdk_errors("DescribeScalableTargets"):
            found = self.client.describe_scalable_targets(
                ServiceNamespace=_NAMESPACE, ResourceIds=list(ids), ScalableDimension=tr.SCALABLE_DIMENSION,
            )["ScalableTargets"]
        result = {}
        for t in found:
            variant = ids.get(t["ResourceId"])
            if variant is None or t.get("ScalableDimension", tr.SCALABLE_DIMENSION) != tr.SCALABLE_DIMENSION:
                continue  # another endpoint's target (a provider not filtering exactly)
            policy, tracking = self.policy(name, variant, owner) if policies else (None, {})
            metric, target = rv.scaling_metric(tracking)
            result[variant] = rv.ScalingPolicy(t["MinCapacity"], t["MaxCapacity"], metric, target, policy)
        return result

    def policies(self, name: str, variant: str) -> dict[str, dict[str, Any]]:
        """The scaling policies on the variant's exact resource id, by policy name."""
        resource = tr.scaling_resource_id(name, variant)
        found: dict[str, dict[str, Any]] = {}
        with sdk_errors("DescribeScalingPolicies"):
            for page in self.client.get_paginator("describe_scaling_policies").paginate(
                    ServiceNamespace=_NAMESPACE, ResourceId=resource, ScalableDimension=tr.SCALABLE_DIMENSION):
                for policy in page["ScalingPolicies"]:
                    if (policy.get("ResourceId"), policy.get("ScalableDimension")) == (resource, tr.SCALABLE_DIMENSION):
                        found[policy["PolicyName"]] = policy
        return found

    def policy(self, name: str, variant: str, owner: str | None) -> tuple[str | None, dict[str, Any]]:
        """(name, target tracking configuration) of our policy on the variant, or (None, {})."""
        found = self.policies(name, variant)
        ours = own.policy_names(name, variant, list(found), owner)
        if not ours:
            return None, {}
        return ours[0], found[ours[0]].get("TargetTrackingScalingPolicyConfiguration") or {}

    def attach(self, request: tr.SageMakerRequest) -> None:
        """Register the request's autoscaled variants and put their policies where they differ;
        a policy of ours under another name (before owner stamps, another uid) is then dropped."""
        uid = request.owner.uid if request.owner is not None else None
        live = self.targets(request.endpoint_name, [s.variant for s in request.scaling], policies=True, owner=uid)
        for s in request.scaling:
            want = rv.ScalingPolicy(s.register["MinCapacity"], s.register["MaxCapacity"],
                                    *rv.scaling_metric(s.policy["TargetTrackingScalingPolicyConfiguration"]))
            current = live.get(s.variant)
            if current == want and current is not None and current.policy == s.policy["PolicyName"]:
                continue  # already attached as wanted: re-applying writes nothing
            with sdk_errors("RegisterScalableTarget"):
                self.client.register_scalable_target(**s.register)
            with sdk_errors("PutScalingPolicy"):
                self.client.put_scaling_policy(**s.policy)
            self._drop_others(request.endpoint_name, s.variant, keep=s.policy["PolicyName"])

    def _drop_others(self, name: str, variant: str, *, keep: str) -> None:
        for policy in own.policy_names(name, variant, list(self.policies(name, variant)), None):
            if policy != keep:
                try:
                    with sdk_errors("DeleteScalingPolicy"):
                        self.client.delete_scaling_policy(
                            PolicyName=policy, ServiceNamespace=_NAMESPACE,
                            ResourceId=tr.scaling_resource_id(name, variant), ScalableDimension=tr.SCALABLE_DIMENSION)
                except NotFound:
                    pass

    def deregister(self, name: str, variants: list[str]) -> None:
        """Deregister the variants' targets (their policies go with them); idempotent."""
        for variant in self.targets(name, variants):
            try:
                with sdk_errors("DeregisterScalableTarget"):
                    self.client.deregister_scalable_target(
                        ServiceNamespace=_NAMESPACE, ResourceId=tr.scaling_resource_id(name, variant),
                        ScalableDimension=tr.SCALABLE_DIMENSION)
            except NotFound:
                pass
