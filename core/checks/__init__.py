"""The check pipeline: is a deployment's live endpoint what its spec says?

One check of one deployment runs three steps, each in modules named for it:

1. **read** (:mod:`core.checks.read`): the adapter's describe, normalised to a
   :class:`core.live.LiveEndpoint`, secret values redacted. A basic check reads the fewest
   fields, a full one every field. Within a fleet pass the reads are charged to the provider
   account's request budget (:mod:`core.checks.read_budget`) and listings many checks need are read
   once (:mod:`core.checks.read_shared`).
2. **judge** (:mod:`core.checks.judge`): pure; expected spec vs live -> health, sync and the
   field-level drift (:func:`core.diff.diff` is the comparator).
3. **record** (:mod:`core.checks.record`): the judged reading becomes a
   :class:`core.store.checks.CheckWrite` with its JSON Patch (:mod:`core.checks.record_patch`);
   the store merges it with the drift earlier checks saw and this one could not
   (:mod:`core.checks.record_coverage`), stores it and its transition events in one transaction.

**schedule** (:mod:`core.checks.schedule`) runs the pipeline over a batch of deployments (a fleet
pass: bounded concurrency, one store transaction) and plans the scheduled batches;
:mod:`core.jobs.checks` runs those batches as DBOS workflows (DBOS stays behind ``core/jobs``).
:class:`core.checks.monitor.Monitor` is the use case front ends call: check one deployment or the
fleet, the live view, history, the fleet summary, events, and acting on drift.

Kept outside because the write side shares them: :mod:`core.diff` (the one comparator),
:mod:`core.ownership` (owner stamps: submit and delete refuse foreign endpoints; judge reports
foreign sub-resources) and :mod:`core.unreadable` (the ``to_live`` contract for values a read
could not see, which :mod:`core.live` builds on; judge reports them).

Modules here import nothing from this package's ``__init__``; it only documents the pipeline.
"""

__all__: list[str] = []
