"""ModelService: UploadModel, GetModel, ListModels, UpdateModel, DeleteModel.

Contracts
---------
- UploadModel validates synchronously (:func:`~emulators.vertex.validation.check_model_upload`,
  ``model_id`` rules, duplicates -> ``ALREADY_EXISTS``) and returns an operation named
  ``projects/{number}/locations/{l}/models/{id}/operations/{n}``; the model exists once it completes
  (``UploadModelResponse{model, model_version_id: "1"}``). Without ``model_id`` the id is a 19-digit
  number. ``parent_model`` (new versions) is not emulated (``UNIMPLEMENTED``).
- ListModels filters, orders (``display_name``, ``create_time``, ``update_time``, ``desc``) and
  pages as :mod:`emulators.vertex.listing` describes.
- GetModel accepts ``models/{id}``, ``models/{id}@1`` and ``models/{id}@{alias}``; it counts as a read
  of the operations changing the model.
- UpdateModel (PATCH, not an LRO) changes ``display_name``, ``description``, ``labels`` and
  ``version_description``; everything else, e.g. ``container_spec``, is immutable (upload a new model).
- DeleteModel is refused with ``FAILED_PRECONDITION`` while the model is deployed or being deployed;
  otherwise an operation ``projects/{number}/locations/{l}/operations/{n}`` removes it.
"""

from __future__ import annotations

from google.cloud import aiplatform_v1 as v1
from google.protobuf import empty_pb2, field_mask_pb2
from google.protobuf.message import Message

from .errors import ApiError, already_exists, failed_precondition, invalid_argument, not_found, unimplemented
from .lifecycle import Operation
from .listing import order, page, parse_filter
from .names import Location, parse_model_ref
from .state import MODEL, State
from .validation import check_display_name, check_labels, check_model_id, check_model_upload

__all__ = ["ModelService", "resolve_model"]

_OUTPUT_ONLY = (
    "name", "version_id", "version_create_time", "version_update_time", "create_time", "update_time",
    "deployed_models", "etag", "supported_export_formats", "supported_deployment_resources_types",
    "supported_input_storage_formats", "supported_output_storage_formats", "training_pipeline",
    "model_source_info", "original_model_info", "metadata_artifact", "satisfies_pzs", "satisfies_pzi",
    "checkpoints",
)
_MUTABLE = ("display_name", "description", "labels", "version_description")
_UPLOAD_METADATA = v1.UploadModelOperationMetadata.pb()
_UPLOAD_RESPONSE = v1.UploadModelResponse.pb()
_DELETE_METADATA = v1.DeleteOperationMetadata.pb()
_LIST_RESPONSE = v1.ListModelsResponse.pb()


def resolve_model(state: State, ref: str) -> Message:
    """The stored model a name or ``name@version`` refers to; ``NOT_FOUND`` if none."""
    parsed = parse_model_ref(ref)
    model = state.models.get(parsed.name)
    if model is None:
        raise not_found(f'The Model "{parsed.name}" does not exist.')
    known = (model.version_id, *model.version_aliases)
    if parsed.version is not None and parsed.version not in known:
        raise not_found(f'The Model version "{parsed.name}@{parsed.version}" does not exist.')
    return model


class ModelService:
    """The ModelService methods the emulator serves, over one :class:`~emulators.vertex.state.State`."""

    def __init__(self, state: State) -> None:
        self._state = state

    def upload(self, where: Location, request: Message) -> Operation:
        """UploadModel: validate, then start the operation that creates the model."""
        state = self._state
        with state.locked():
            if request.parent_model:
                raise unimplemented("Uploading a new version of a Model (parent_model) is not emulated.")
            if not request.HasField("model"):
                raise invalid_argument("model is required.")
            model = MODEL()
            model.CopyFrom(request.model)
            for field in _OUTPUT_ONLY:
                model.ClearField(field)
            check_model_upload(model)
            if request.model_id:
                check_model_id(request.model_id)
            model_id = request.model_id or state.new_id("model")
            name = where.model(model_id)
            if name in state.models or state.ops.pending(name):
                raise already_exists(f'Model "{name}" already exists.')
            failure = state.behaviour.failure(f"models/{model_id}", "upload")

            def effect() -> Message:
                if name in state.models:
                    raise already_exists(f'Model "{name}" already exists.')
                model.name = name
                model.version_id = "1"
                if "default" not in model.version_aliases:
                    model.version_aliases.insert(0, "default")
                state.touch(name, model, created=True)
                model.version_create_time.CopyFrom(model.create_time)
                model.version_update_time.CopyFrom(model.create_time)
                model.supported_deployment_resources_types.append(v1.Model.DeploymentResourcesType.DEDICATED_RESOURCES)
                model.supported_input_storage_formats.extend(["jsonl", "bigquery", "csv", "tf-record", "file-list"])
                model.supported_output_storage_formats.extend(["jsonl", "bigquery"])
                model.model_source_info.source_type = v1.ModelSourceInfo.ModelSourceType.CUSTOM
                state.models[name] = model
                return _UPLOAD_RESPONSE(model=name, model_version_id="1")

            return state.start_operation(
                name, targets=(name,), metadata=state.metadata(_UPLOAD_METADATA), effect=effect, failure=failure
            )

    def get(self, ref: str) -> Message:
        """GetModel (a read of the operations changing it)."""
        state = self._state
        with state.locked():
            state.ops.read_target(parse_model_ref(ref).name)
            found = MODEL()
            found.CopyFrom(resolve_model(state, ref))
            return found

    def list(
        self, where: Location, *, filter_text: str, page_size: int, page_token: str, order_by: str = ""
    ) -> Message:
        """ListModels of one location, filtered, ordered (:func:`~emulators.vertex.listing.order`) and paged."""
        state = self._state
        with state.locked():
            keep = parse_filter(filter_text, id_field="model")
            prefix = f"{where.parent}/models/"
            matching = order(
                [m for name, m in state.models.items() if name.startswith(prefix) and keep(name[len(prefix):], m)],
                order_by,
            )
            chunk, token = page(
                matching, page_size=page_size, page_token=page_token, filter_text=filter_text, order_by=order_by
            )
            return _LIST_RESPONSE(models=chunk, next_page_token=token)

    def update(self, ref: str, patch: Message, mask: field_mask_pb2.FieldMask) -> Message:
        """UpdateModel (PATCH, synchronous)."""
        state = self._state
        with state.locked():
            model = resolve_model(state, ref)
            if not mask.paths:
                raise invalid_argument("update_mask is required.")
            for path in mask.paths:
                if path not in _MUTABLE:
                    known = path.split(".")[0] in MODEL.DESCRIPTOR.fields_by_name
                    raise invalid_argument(
                        f'Field "{path}" of a Model cannot be updated; updatable: {list(_MUTABLE)}.'
                        if known
                        else f'Invalid update_mask path "{path}".'
                    )
            if patch.etag and patch.etag != model.etag:
                raise ApiError("ABORTED", f'The etag "{patch.etag}" does not match the Model\'s current etag.')
            candidate = MODEL()
            candidate.CopyFrom(model)
            mask.MergeMessage(patch, candidate, True, True)
            check_display_name(candidate.display_name, "model")
            check_labels(candidate.labels, "model")
            state.touch(model.name, candidate)
            candidate.version_update_time.CopyFrom(candidate.update_time)
            model.CopyFrom(candidate)
            result = MODEL()
            result.CopyFrom(model)
            return result

    def delete(self, ref: str) -> Operation:
        """DeleteModel: refused while deployed; else an operation that removes the model."""
        state = self._state
        with state.locked():
            parsed = parse_model_ref(ref)
            if parsed.version is not None:
                raise invalid_argument("DeleteModel takes a Model name without a version; use DeleteModelVersion.")
            model = state.model(parsed.name)
            state.require_idle(parsed.name, "Model")
            endpoints = sorted({ref.endpoint for ref in model.deployed_models})
            endpoints += sorted(
                {t for op in state.ops.involving(parsed.name) for t in op.targets} - set(endpoints)
            )
            if endpoints:
                raise failed_precondition(
                    f'The Model "{parsed.name}" is deployed or being deployed at the following Endpoint(s): '
                    + ", ".join(endpoints) + "."
                )
            where = parsed.name.rsplit("/models/", 1)[0]

            def effect() -> Message:
                state.models.pop(parsed.name, None)
                state.forget_revision(parsed.name)
                return empty_pb2.Empty()

            return state.start_operation(
                where, targets=(parsed.name,), metadata=state.metadata(_DELETE_METADATA), effect=effect
            )
