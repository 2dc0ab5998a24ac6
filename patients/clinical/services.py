"""Writes to the clinical record: validated (field errors), in one transaction, audited, versioned.

Callers (views, API, admin actions) resolve the child with portal.care.access.get_patient_or_404(edit=True);
every function here checks again that the user may edit this child, so a new caller cannot skip it.
After a change, the risk assessment and the exposure record are recomputed once per child and
transaction (`_after_change`): a lone service call recomputes before its own transaction commits; calls
inside a caller's transaction (bulk entry, an import, seeding) only mark the child, and the marked
children are recomputed once when that transaction commits (one `transaction.on_commit` per
transaction), so entering n entries costs n writes and one recomputation, not n.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.clinical.exposure_store import EXPOSURE_KINDS, recompute_exposures
from patients.exposures.dose_limits import DoseRange, check_dose, fmt
from patients.models import (
    DETAIL_MODELS,
    Diagnosis,
    DoseLimit,
    Drug,
    EntryKind,
    ManualTreatmentSummary,
    Patient,
    RiskAssessment,
    TimelineEntry,
    TreatmentPhase,
    TreatmentPlan,
)
from patients.models.base import Visibility
from patients.models.diagnosis import DIAGNOSIS_FIELDS, DIAGNOSIS_M2M_FIELDS
from patients.models.exposures import MANUAL_SUMMARY_FIELDS
from patients.models.risk import Decision
from patients.models.timeline import ENTRY_FIELDS, PHASE_FIELDS, PLAN_FIELDS, SUBTYPES
from patients.risk import evaluate, get_scheme
from patients.units import mosteller_bsa, wbc_to_per_ul
from portal.care.access import can_edit_patient, deny, record_patient_event
from portal.care.models import AuditAction
from portal.concurrency import StaleEdit, save_versioned

from .risk_inputs import active_config, build_inputs

# --- helpers ---------------------------------------------------------------------------------------


def _require_edit(user, patient: Patient) -> None:
    if user is not None and not can_edit_patient(user, patient):
        raise deny(user, patient=patient, object_type="patient", object_id=patient.pk)


def _merge(errors: dict, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    else:
        errors.setdefault("__all__", []).extend(exc.messages)


def _check_dates(patient: Patient, errors: dict, *, allow_future: bool = False, **dates: date | None) -> None:
    today = timezone.localdate()
    for field, value in dates.items():
        if value is None:
            continue
        if value < patient.date_of_birth:
            errors.setdefault(field, []).append(_("This date is before the child's date of birth."))
        elif not allow_future and value > today:
            errors.setdefault(field, []).append(_("This date is in the future."))


def _versioned_save(user, patient, instance, expected_version, fields, *, created: bool):
    if not created and expected_version is None:
        raise ValidationError({"version": [_("Send the version you loaded, so a stale edit can be detected.")]})
    try:
        if created:
            instance.save()
        else:
            save_versioned(instance, expected_version, fields)
    except StaleEdit:
        record_patient_event(user, AuditAction.CONFLICT, patient=patient, obj=instance)
        raise


def refresh_derived(user, patient: Patient) -> None:
    """Recompute the risk assessment and exposures (after edits made outside these services, e.g. admin)."""
    with transaction.atomic():
        _after_change(user, patient)


def refresh_all(user=None, patient_ids=None) -> int:
    """Recompute risk and exposures for every child with clinical data (after a settings or rules change).

    Idempotent: a child whose inputs did not change gets no new assessment. Returns the number of children.
    """
    has_entries = Exists(TimelineEntry.objects.filter(patient=OuterRef("pk")))
    patients = Patient.objects.filter(Q(diagnosis__isnull=False) | Q(manual_summary__isnull=False) | has_entries)
    if patient_ids:
        patients = patients.filter(pk__in=patient_ids)
    count = 0
    for patient in patients.iterator():
        with transaction.atomic():
            _after_change(user, patient)
        count += 1
    return count


def _recompute_now(user, patient: Patient, *, risk: bool, exposures: bool) -> None:
    if risk:
        reassess_risk(user, patient)
    if exposures:
        recompute_exposures(patient)


def _caller_blocks() -> int:
    """Atomic blocks open on the connection, leaving out the ones a test case holds open around a test."""
    return sum(1 for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False))


class _Pending:
    """The children changed in one transaction, waiting for its commit: {patient id: (user, risk, exposures)}."""

    def __init__(self):
        self.children: dict[int, tuple] = {}
        self.done = False

    def add(self, user, patient_id: int, risk: bool, exposures: bool) -> None:
        _user, was_risk, was_exposures = self.children.get(patient_id, (user, False, False))
        self.children[patient_id] = (user, was_risk or risk, was_exposures or exposures)

    def flush(self) -> None:
        self.done = True
        children = {p.pk: p for p in Patient.objects.filter(pk__in=self.children)}
        for pk, (user, risk, exposures) in self.children.items():
            if pk in children:  # a child deleted in the same transaction needs nothing
                with transaction.atomic():
                    _recompute_now(user, children[pk], risk=risk, exposures=exposures)


_batch: ContextVar[_Pending | None] = ContextVar("clinical_recompute_batch", default=None)


@contextmanager
def recompute_once():
    """A transaction for many writes (an import, seeding, bulk entry): each changed child's risk and
    exposures are recomputed once, at the end of the block and inside its transaction, so the
    derived data commits with the changes. Nested uses join the outermost one.
    """
    if _batch.get() is not None:
        yield
        return
    with transaction.atomic():
        pending = _Pending()
        token = _batch.set(pending)
        try:
            yield
        finally:
            _batch.reset(token)
        pending.flush()


def _pending_for_this_transaction() -> _Pending:
    """The transaction's set of changed children; registered with on_commit the first time (dropped on rollback)."""
    pending = getattr(connection, "_clinical_pending", None)
    alive = (
        pending is not None and not pending.done and any(f == pending.flush for _s, f, _r in connection.run_on_commit)
    )
    if not alive:
        pending = _Pending()
        connection._clinical_pending = pending
        transaction.on_commit(pending.flush)
    return pending


def _after_change(user, patient: Patient, *, risk: bool = True, exposures: bool = True) -> None:
    """Recompute what the change can move, once per child and transaction.

    Called inside the service's own atomic block. Inside recompute_once(), mark the child for the end
    of that block. When the service's block is the outermost one, recompute now (still inside it: the
    change and its derived data commit together). Inside a caller's own transaction, mark the child;
    the marked children are recomputed once, right after that transaction commits.
    """
    if not (risk or exposures):
        return
    batch = _batch.get()
    if batch is not None:
        batch.add(user, patient.pk, risk, exposures)
        return
    if _caller_blocks() <= 1:
        _recompute_now(user, patient, risk=risk, exposures=exposures)
        return
    _pending_for_this_transaction().add(user, patient.pk, risk, exposures)


# --- diagnosis -------------------------------------------------------------------------------------

DIAGNOSIS_SCALAR_FIELDS = [f for f in DIAGNOSIS_FIELDS if f not in DIAGNOSIS_M2M_FIELDS]


def save_diagnosis(user, patient: Patient, data: dict, expected_version: int | None = None) -> Diagnosis:
    """Create or change the child's diagnosis. `genetic_markers` / `predisposition_syndromes` are lists of rows."""
    _require_edit(user, patient)
    diagnosis = Diagnosis.objects.filter(patient=patient).first()
    created = diagnosis is None
    if created:
        diagnosis = Diagnosis(patient=patient)
    changed = [f for f in DIAGNOSIS_SCALAR_FIELDS if f in data and getattr(diagnosis, f) != data[f]]
    for name in changed:
        setattr(diagnosis, name, data[name])
    errors: dict = {}
    try:
        diagnosis.full_clean(exclude=["patient", "version"])
    except ValidationError as exc:
        _merge(errors, exc)
    _check_dates(patient, errors, diagnosed_on=diagnosis.diagnosed_on)
    if errors:
        raise ValidationError(errors)
    diagnosis.wbc_per_ul = (
        None if diagnosis.wbc_value is None else wbc_to_per_ul(diagnosis.wbc_value, diagnosis.wbc_unit)
    )
    diagnosis.updated_by = user
    with transaction.atomic():
        _versioned_save(
            user, patient, diagnosis, expected_version, [*changed, "wbc_per_ul", "updated_by"], created=created
        )
        for m2m in DIAGNOSIS_M2M_FIELDS:
            if m2m in data:
                getattr(diagnosis, m2m).set(data[m2m])
                changed.append(m2m)
        record_patient_event(
            user,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            patient=patient,
            obj=diagnosis,
            detail=",".join(changed),
        )
        _after_change(user, patient)
    return diagnosis


# --- risk ------------------------------------------------------------------------------------------


def reassess_risk(user, patient: Patient) -> RiskAssessment | None:
    """Run the active scheme; store a new assessment when its inputs or settings changed."""
    config = active_config()
    diagnosis = Diagnosis.objects.filter(patient=patient).prefetch_related("genetic_markers").first()
    if diagnosis is None:
        return None
    inputs = build_inputs(patient, diagnosis, config)
    engine_cfg = config.to_engine()
    result = evaluate(config.scheme, inputs, engine_cfg)
    payload = json.loads(
        json.dumps({"scheme": config.scheme, "inputs": inputs.as_dict(), "settings": engine_cfg.as_dict()})
    )
    latest = RiskAssessment.objects.filter(patient=patient).order_by("-created_at", "-id").first()
    if latest is not None and latest.inputs == payload and latest.scheme_version == result.scheme_version:
        return latest
    assessment = RiskAssessment.objects.create(
        patient=patient,
        created_by=user,
        scheme=result.scheme,
        scheme_version=result.scheme_version,
        source=result.source,
        config=config if config.pk else None,
        inputs=payload,
        group=result.group,
        provisional=result.provisional,
        missing=list(result.missing),
        reasons=list(result.reasons),
        possible_groups=list(result.possible_groups),
    )
    record_patient_event(user, AuditAction.CREATE, patient=patient, obj=assessment)
    return assessment


def _assessment_for(user, patient: Patient, assessment_id) -> RiskAssessment:
    assessment = RiskAssessment.objects.filter(patient=patient, pk=assessment_id).first()
    if assessment is None:
        raise deny(user, patient=patient, object_type="riskassessment", object_id=assessment_id)
    return assessment


def decide_risk(
    user, patient: Patient, assessment_id, *, decision: str, group: str = "", reason: str = ""
) -> RiskAssessment:
    """A clinician confirms the computed group, or overrides it with another group and a reason."""
    _require_edit(user, patient)
    assessment = _assessment_for(user, patient, assessment_id)

    groups = get_scheme(assessment.scheme).groups
    errors: dict = {}
    if decision == Decision.CONFIRMED and assessment.provisional:
        # A pending result's group is only the lowest still possible: confirming it would make that
        # the child's group (and show it to the family). Wait for the results, or override with a reason.
        errors["decision"] = [_("A pending result cannot be confirmed; override it with a group and a reason.")]
    elif decision == Decision.CONFIRMED:
        group = assessment.group
    elif decision == Decision.OVERRIDDEN:
        if group not in groups:
            errors["group"] = [_("Choose one of this scheme's groups: %s.") % ", ".join(groups)]
        if not reason.strip():
            errors["reason"] = [_("Say why you override the computed group.")]
    else:
        errors["decision"] = [_("Confirm or override.")]
    if errors:
        raise ValidationError(errors)
    assessment.decision = decision
    assessment.decided_group = group
    assessment.decision_reason = reason.strip()
    assessment.decided_by = user
    assessment.decided_at = timezone.now()
    with transaction.atomic():
        assessment.save(update_fields=["decision", "decided_group", "decision_reason", "decided_by", "decided_at"])
        record_patient_event(user, AuditAction.UPDATE, patient=patient, obj=assessment, detail=decision)
    return assessment


# --- plan and phases -------------------------------------------------------------------------------


def save_plan(user, patient: Patient, data: dict, expected_version: int | None = None) -> TreatmentPlan:
    _require_edit(user, patient)
    plan = TreatmentPlan.objects.filter(patient=patient).first()
    created = plan is None
    plan = plan or TreatmentPlan(patient=patient)
    changed = [f for f in PLAN_FIELDS if f in data and getattr(plan, f) != data[f]]
    for name in changed:
        setattr(plan, name, data[name])
    plan.full_clean(exclude=["patient", "version"])
    with transaction.atomic():
        _versioned_save(user, patient, plan, expected_version, changed, created=created)
        record_patient_event(user, AuditAction.CREATE if created else AuditAction.UPDATE, patient=patient, obj=plan)
    return plan


def save_phase(
    user, patient: Patient, data: dict, *, phase: TreatmentPhase | None = None, expected_version: int | None = None
) -> TreatmentPhase:
    _require_edit(user, patient)
    created = phase is None
    if phase is not None and phase.patient_id != patient.pk:
        raise deny(user, patient=patient, object_type="treatmentphase", object_id=phase.pk)
    phase = phase or TreatmentPhase(patient=patient)
    changed = [f for f in PHASE_FIELDS if f in data and getattr(phase, f) != data[f]]
    for name in changed:
        setattr(phase, name, data[name])
    errors: dict = {}
    try:
        phase.full_clean(exclude=["patient", "version"], validate_constraints=False)
    except ValidationError as exc:
        _merge(errors, exc)
    _check_dates(patient, errors, actual_start=phase.actual_start, actual_end=phase.actual_end)
    _check_dates(patient, errors, allow_future=True, planned_start=phase.planned_start, planned_end=phase.planned_end)
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        a, b = getattr(phase, start), getattr(phase, end)
        if a and b and b < a:
            errors.setdefault(end, []).append(_("The end is before the start."))
    if phase.key == "custom" and not phase.custom_name:
        errors.setdefault("custom_name", []).append(_("Name the phase."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _versioned_save(user, patient, phase, expected_version, changed, created=created)
        record_patient_event(user, AuditAction.CREATE if created else AuditAction.UPDATE, patient=patient, obj=phase)
        _after_change(user, patient, risk=False)
    return phase


def delete_phase(user, patient: Patient, phase: TreatmentPhase) -> None:
    _require_edit(user, patient)
    if phase.patient_id != patient.pk:
        raise deny(user, patient=patient, object_type="treatmentphase", object_id=phase.pk)
    with transaction.atomic():
        record_patient_event(user, AuditAction.DELETE, patient=patient, obj=phase)
        phase.delete()
        _after_change(user, patient, risk=False)


# --- timeline entries ------------------------------------------------------------------------------

# Kinds whose changes move the risk result or the exposures.
RISK_KINDS = {EntryKind.MRD}
FUTURE_KINDS = {EntryKind.APPOINTMENT}


def _resolve_drug(value, errors: dict, field: str):
    if value is None or value == "":
        errors.setdefault(field, []).append(_("Choose a drug from the list."))
        return None
    if isinstance(value, Drug):
        return value
    drug = Drug.objects.filter(active=True, code=str(value)).first()
    if drug is None and str(value).isdigit():
        drug = Drug.objects.filter(active=True, pk=int(value)).first()
    if drug is None:
        errors.setdefault(field, []).append(_("Unknown drug: choose one from the controlled list."))
    return drug


# What a dose is judged on: a change to any of them asks for a fresh confirmation of an unusual dose.
DOSE_CHECK_FIELDS = ("drug_id", "dose", "dose_unit", "route", "bsa_m2", "weight_kg")
DOSE_CONFIRMED_AUDIT = "dose_outside_range_confirmed"


def dose_ranges(drug: Drug) -> list[DoseRange]:
    return [limit.as_range(drug.code) for limit in DoseLimit.objects.filter(drug=drug, active=True)]


def dose_problems(detail, detail_data: dict) -> dict[str, list[str]]:
    """The dose checks of save_entry for a chemotherapy detail saved elsewhere (Django's admin)."""
    errors: dict[str, list[str]] = {}
    if detail.drug_id is None:
        return errors
    before = None
    if detail.pk is not None:
        before = type(detail).objects.filter(pk=detail.pk).values(*DOSE_CHECK_FIELDS).first()
    _check_dose(detail, before, detail_data, errors)
    return errors


def _check_dose(detail, before: dict | None, detail_data: dict, errors: dict) -> bool:
    """Refuse a dose of zero or less, and a dose outside its range without a confirmation and a reason.

    The confirmation must come with the change (a new entry, or an edit of the drug, dose, unit, route,
    BSA or weight); an unchanged dose keeps the confirmation it was saved with. A dose inside its range
    keeps no confirmation. Returns whether an out-of-range dose was confirmed (for the audit row).
    """
    if errors.keys() & {"dose", "dose_unit", "route", "drug", "bsa_m2", "weight_kg"} or detail.dose is None:
        return False
    if detail.dose <= 0:
        errors.setdefault("dose", []).append(_("A dose must be more than zero."))
        return False
    result = check_dose(
        dose_ranges(detail.drug),
        drug_code=detail.drug.code,
        route=detail.route,
        dose=float(detail.dose),
        unit=detail.dose_unit,
        bsa_m2=None if detail.bsa_m2 is None else float(detail.bsa_m2),
        weight_kg=None if detail.weight_kg is None else float(detail.weight_kg),
    )
    if result.within:
        detail.dose_confirmed, detail.dose_confirmation_reason = False, ""
        return False
    r = result.checked
    if result.over_cap:
        message = _("%(dose)s mg in one dose is above the usual cap of %(cap)s mg for %(drug)s (%(source)s).") % {
            "dose": fmt(result.whole_mg),
            "cap": fmt(r.cap_mg),
            "drug": detail.drug.name,
            "source": r.source,
        }
    else:
        message = _(
            "%(dose)s %(unit)s is outside the typical range for %(drug)s: %(low)s–%(high)s %(unit)s per dose "
            "(%(source)s)."
        ) % {
            "dose": fmt(result.value),
            "unit": r.symbol,
            "drug": detail.drug.name,
            "low": fmt(r.low),
            "high": fmt(r.high),
            "source": r.source,
        }
    changed = before is None or any(before[f] != getattr(detail, f) for f in DOSE_CHECK_FIELDS)
    confirmed = detail.dose_confirmed and (not changed or "dose_confirmed" in detail_data)
    if not confirmed:
        errors.setdefault("dose", []).append(
            message + " " + _("Check the dose; to save it as it is, tick the confirmation and give the reason.")
        )
        return False
    detail.dose_confirmation_reason = (detail.dose_confirmation_reason or "").strip()
    if not detail.dose_confirmation_reason:
        errors.setdefault("dose_confirmation_reason", []).append(
            _("Give the reason for this dose outside the typical range.")
        )
        return False
    return True


def _build_detail(kind: str, entry: TimelineEntry, detail_data: dict, errors: dict):
    """The kind's detail row with `detail_data` applied (unsaved), its many-to-many values, and audit notes."""
    model = DETAIL_MODELS.get(kind)
    if model is None:
        return None, {}, []
    try:
        detail = model.objects.get(entry=entry) if entry.pk else model(entry=entry)
    except ObjectDoesNotExist:
        detail = model(entry=entry)
    before = {f: getattr(detail, f) for f in DOSE_CHECK_FIELDS} if kind == EntryKind.CHEMO and detail.pk else None
    field_names = {f.name for f in model._meta.get_fields() if f.concrete and f.name != "entry"}
    m2m_names = {f.name for f in model._meta.many_to_many}
    unknown = set(detail_data) - field_names - m2m_names
    if unknown:
        errors.setdefault("__all__", []).append(
            _("Unknown fields for this entry type: %s") % ", ".join(sorted(unknown))
        )
    m2m = {}
    for name, value in detail_data.items():
        if name == "drug":
            detail.drug = _resolve_drug(value, errors, "drug")
        elif name == "it_drugs":
            m2m["it_drugs"] = [d for d in (_resolve_drug(v, errors, "it_drugs") for v in value or []) if d]
        elif name in field_names:
            # Floats (JSON, tests) go through str so DecimalFields keep the digits the user typed.
            setattr(detail, name, str(value) if isinstance(value, float) else value)
    if kind == EntryKind.CHEMO and "drug" not in detail_data and not detail.drug_id:
        errors.setdefault("drug", []).append(_("Choose a drug from the list."))
    try:
        detail.full_clean(exclude=["entry", *(["drug"] if kind == EntryKind.CHEMO else [])], validate_constraints=False)
    except ValidationError as exc:
        _merge(errors, exc)
    if kind == EntryKind.CHEMO and not errors.keys() & {"height_cm", "weight_kg", "bsa_m2", "dose_unit"}:
        if not detail.bsa_m2 and detail.height_cm and detail.weight_kg:
            detail.bsa_m2 = Decimal(str(mosteller_bsa(float(detail.height_cm), float(detail.weight_kg))))
        if detail.dose_unit in ("mg", "mg_kg") and not detail.bsa_m2:
            message = _("Give height and weight (or BSA) to convert a dose in mg or mg/kg.")
            errors.setdefault("bsa_m2", []).append(message)
    notes = []
    if kind == EntryKind.CHEMO and detail.drug_id and _check_dose(detail, before, detail_data, errors):
        notes.append(DOSE_CONFIRMED_AUDIT)
    if (
        kind == EntryKind.MRD
        and "value_pct" not in errors
        and (detail.value_pct is None) == (detail.negative_below_pct is None)
    ):
        errors.setdefault("value_pct", []).append(
            _("Give either the MRD level, or for a negative result the test's sensitivity (not both).")
        )
    return detail, m2m, notes


def _validate_entry(patient: Patient, kind: str, entry: TimelineEntry, errors: dict) -> None:
    try:
        entry.full_clean(exclude=["patient", "version", "phase"], validate_constraints=False)
    except ValidationError as exc:
        _merge(errors, exc)
    _check_dates(patient, errors, allow_future=kind in FUTURE_KINDS, occurred_on=entry.occurred_on)
    # A course or stay may be recorded with its planned last day (e.g. dexamethasone days 1-28 on day 1).
    _check_dates(patient, errors, allow_future=True, ends_on=entry.ends_on)
    if entry.occurred_on and entry.ends_on and entry.ends_on < entry.occurred_on:
        errors.setdefault("ends_on", []).append(_("The end is before the start."))
    allowed = SUBTYPES.get(kind)
    if entry.subtype and (allowed is None or entry.subtype not in allowed):
        errors.setdefault("subtype", []).append(_("Not a subtype of this entry type."))
    if allowed is not None and kind != EntryKind.TRANSPLANT and not entry.subtype:
        errors.setdefault("subtype", []).append(_("Choose which one."))
    if entry.phase_id and entry.phase.patient_id != patient.pk:
        errors.setdefault("phase", []).append(_("Choose one of this child's phases."))


def _resolve_phase(patient: Patient, value):
    if value in (None, ""):
        return None
    if isinstance(value, TreatmentPhase):
        return value
    return TreatmentPhase.objects.filter(patient=patient, pk=value).first() or TreatmentPhase(pk=value, patient_id=-1)


def save_entry(
    user,
    patient: Patient,
    data: dict,
    detail_data: dict | None = None,
    *,
    kind: str | None = None,
    entry: TimelineEntry | None = None,
    expected_version: int | None = None,
) -> TimelineEntry:
    """Create (kind given) or change (entry given) a timeline entry and its typed detail, all or nothing."""
    _require_edit(user, patient)
    detail_data = detail_data or {}
    created = entry is None
    if not created and entry.patient_id != patient.pk:
        raise deny(user, patient=patient, object_type="timelineentry", object_id=entry.pk)
    if created:
        if kind not in EntryKind.values:
            raise ValidationError({"kind": [_("Unknown entry type.")]})
        entry = TimelineEntry(patient=patient, kind=kind, created_by=user)
    kind = entry.kind
    data = dict(data)
    if "phase" in data:
        data["phase"] = _resolve_phase(patient, data["phase"])
    changed = [f for f in ENTRY_FIELDS if f in data and getattr(entry, f) != data[f]]
    for name in changed:
        setattr(entry, name, data[name])
    if entry.visibility == "released" and entry.released_at is None:
        entry.released_at = timezone.now()
        changed.append("released_at")
    errors: dict = {}
    _validate_entry(patient, kind, entry, errors)
    detail, m2m, notes = _build_detail(kind, entry, detail_data, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _versioned_save(user, patient, entry, expected_version, changed, created=created)
        if detail is not None:
            detail.entry = entry
            detail.save()
            for name, values in m2m.items():
                getattr(detail, name).set(values)
        record_patient_event(
            user,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            patient=patient,
            obj=entry,
            detail=",".join([*notes, *changed, *detail_data.keys()])[:300],
        )
        _after_change(user, patient, risk=kind in RISK_KINDS, exposures=kind in EXPOSURE_KINDS)
    return entry


def delete_entry(user, patient: Patient, entry: TimelineEntry) -> None:
    _require_edit(user, patient)
    if entry.patient_id != patient.pk:
        raise deny(user, patient=patient, object_type="timelineentry", object_id=entry.pk)
    kind = entry.kind
    with transaction.atomic():
        record_patient_event(user, AuditAction.DELETE, patient=patient, obj=entry)
        entry.delete()
        _after_change(user, patient, risk=kind in RISK_KINDS, exposures=kind in EXPOSURE_KINDS)


def release_entries(user, patient: Patient, entries) -> list[TimelineEntry]:
    """Release entries to the family now, all or nothing: the same change the edit form makes
    (visibility "released", released_at), through save_entry, so each is versioned and audited.

    An entry already visible to the family is left alone; one scheduled for later is released now.
    """
    _require_edit(user, patient)
    now = timezone.now()
    released = []
    with transaction.atomic():
        for entry in entries:
            if entry.visibility == Visibility.RELEASED and entry.released_at and entry.released_at <= now:
                continue
            data = {"visibility": Visibility.RELEASED, "released_at": now}
            released.append(save_entry(user, patient, data, entry=entry, expected_version=entry.version))
    return released


# --- manual treatment summary ----------------------------------------------------------------------


def save_manual_summary(
    user, patient: Patient, data: dict, expected_version: int | None = None
) -> ManualTreatmentSummary:
    """Cumulative treatment from another centre's summary; yields the same ExposureRecord."""
    _require_edit(user, patient)
    manual = ManualTreatmentSummary.objects.filter(patient=patient).first()
    created = manual is None
    manual = manual or ManualTreatmentSummary(patient=patient)
    changed = [f for f in MANUAL_SUMMARY_FIELDS if f in data and getattr(manual, f) != data[f]]
    for name in changed:
        setattr(manual, name, data[name])
    errors: dict = {}
    try:
        manual.full_clean(exclude=["patient", "version"])
    except ValidationError as exc:
        _merge(errors, exc)
    _check_dates(patient, errors, therapy_start=manual.therapy_start, therapy_end=manual.therapy_end)
    if manual.therapy_start and manual.therapy_end and manual.therapy_end < manual.therapy_start:
        errors.setdefault("therapy_end", []).append(_("The end is before the start."))
    if errors:
        raise ValidationError(errors)
    manual.updated_by = user
    with transaction.atomic():
        _versioned_save(user, patient, manual, expected_version, [*changed, "updated_by"], created=created)
        record_patient_event(user, AuditAction.CREATE if created else AuditAction.UPDATE, patient=patient, obj=manual)
        _after_change(user, patient, risk=False)
    return manual
