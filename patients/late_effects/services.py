"""Writes for rule sets and care plans. Each runs in one transaction and records the audit trail.

Recomputing a plan (after an exposure change or a rule-set change) reconciles the engine's items
with what is stored, slot by slot:
* an open item is kept (same row) and updated to the engine's text, reasons and due date;
* a recurring slot whose last item was completed gets its next date from that completion;
* a one-time slot already done (or declined/waived) stays closed;
* an open item that no rule asks for any more is retired with a reason, never deleted.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.clinical.exposure_store import load_exposure_summary
from patients.exposures.summary import ExposureSummary
from patients.late_effects import engine, tasks
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus, RuleSet
from patients.late_effects.schema import RuleSetError, Vocabularies, parse_ruleset
from patients.models import Drug, GeneticMarker, Patient, PredispositionSyndrome, Visibility
from patients.models.timeline import RadiationSite
from portal.care.access import can_edit_patient, record_patient_event
from portal.care.models import AuditAction
from portal.concurrency import save_versioned

# --- Rule sets --------------------------------------------------------------------------------


def reference_vocabularies() -> Vocabularies:
    """The codes a rule set may name: the portal's drugs, syndromes, genetic markers and radiation sites."""
    return Vocabularies(
        drugs=frozenset(Drug.objects.values_list("code", flat=True)),
        syndromes=frozenset(PredispositionSyndrome.objects.values_list("code", flat=True)),
        markers=frozenset(GeneticMarker.objects.values_list("code", flat=True)),
        sites=frozenset(RadiationSite.values),
    )


@transaction.atomic
def load_ruleset(text: str, *, filename: str = "", activate: bool = False, user=None) -> tuple[RuleSet, bool]:
    """Validate and store a rule set; (ruleset, created). Raises RuleSetError and stores nothing.

    Besides the format, every code a rule names (drug, syndrome, genetic marker, radiation site) must
    be one of the reference data's, so a misspelt code is refused instead of silently never matching.

    Idempotent: the same name + version with the same content returns the existing row; the same
    name + version with different content is refused (bump the version instead).
    """
    data = parse_ruleset(text, filename=filename, vocabularies=reference_vocabularies())
    checksum = hashlib.sha256(text.encode()).hexdigest()
    existing = RuleSet.objects.filter(name=data["name"], version=data["version"]).first()
    if existing is not None:
        if existing.content != data:
            raise RuleSetError(
                [
                    f"version: '{data['name']}' version {data['version']} is already loaded with other content; "
                    "give the changed file a new version"
                ]
            )
        ruleset, created = existing, False
    else:
        ruleset = RuleSet.objects.create(
            name=data["name"],
            version=data["version"],
            source=data["source"],
            content=data,
            raw_text=text,
            checksum=checksum,
            loaded_by=user,
        )
        created = True
    if activate and not ruleset.active:
        activate_ruleset(ruleset)
    return ruleset, created


@transaction.atomic
def activate_ruleset(ruleset: RuleSet) -> RuleSet:
    """Make this the one active rule set, then recompute every stored plan once the change commits."""
    RuleSet.objects.select_for_update().filter(active=True).exclude(pk=ruleset.pk).update(active=False)
    RuleSet.objects.filter(pk=ruleset.pk).update(active=True)
    ruleset.active = True

    transaction.on_commit(tasks.recompute_all_care_plans.delay)
    return ruleset


def active_ruleset() -> RuleSet | None:
    return RuleSet.objects.filter(active=True).first()


# --- Care plans -------------------------------------------------------------------------------


def _facts(patient: Patient, summary: ExposureSummary) -> engine.PatientFacts:
    return engine.PatientFacts(
        exposures=summary.as_dict(),
        sex=patient.sex,
        date_of_birth=patient.date_of_birth,
        therapy_end=summary.therapy_end,
    )


def _ruleset_content(ruleset: RuleSet) -> dict:
    content = ruleset.content
    override = settings.LTFU_ENTRY_YEARS_AFTER_THERAPY
    if override is not None:
        content = {**content, "settings": {**content.get("settings", {}), "ltfu_entry_years_after_therapy": override}}
    return content


def summary_from_json(data: dict) -> ExposureSummary:
    data = dict(data)
    for key in ("therapy_start", "therapy_end"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key]) if isinstance(data[key], str) else data[key]
    data["predisposition_syndromes"] = tuple(data.get("predisposition_syndromes") or ())
    known = set(ExposureSummary.__dataclass_fields__)
    return ExposureSummary(**{k: v for k, v in data.items() if k in known})


def _summary_json(summary: ExposureSummary) -> dict:
    data = summary.as_dict()
    for key in ("therapy_start", "therapy_end"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


@transaction.atomic
def recompute_care_plan(
    patient: Patient, summary: ExposureSummary, *, ruleset: RuleSet | None = None, user=None
) -> CarePlan | None:
    """Bring a child's plan in line with their exposures and the (active) rule set. Audited."""
    ruleset = ruleset or active_ruleset()
    if ruleset is None:
        return None
    patient = Patient.objects.select_for_update().get(pk=patient.pk)  # one recompute per child at a time
    result = engine.compute_plan(_ruleset_content(ruleset), _facts(patient, summary))
    plan, _created = CarePlan.objects.get_or_create(
        patient=patient, defaults={"ruleset": ruleset, "exposures": _summary_json(summary)}
    )
    plan.ruleset = ruleset
    plan.exposures = _summary_json(summary)
    plan.notes = list(result.notes)
    plan.computed_at = timezone.now()
    plan.version += 1
    plan.save()

    items = list(FollowUpItem.objects.filter(patient=patient).order_by("slot", "id"))
    open_by_slot = {i.slot: i for i in items if i.status == FollowUpStatus.OPEN}
    closed_by_slot: dict[str, list[FollowUpItem]] = {}
    for item in items:
        if item.status in (FollowUpStatus.DONE, FollowUpStatus.DECLINED, FollowUpStatus.WAIVED):
            closed_by_slot.setdefault(item.slot, []).append(item)

    wanted = {i.slot for i in result.items}
    visibility = Visibility.RELEASED if plan.released_to_family else Visibility.CLINICIAN_ONLY
    for planned in result.items:
        due = _due_for_slot(planned, patient, closed_by_slot.get(planned.slot, []))
        current = open_by_slot.get(planned.slot)
        if due is None:
            if current is not None:
                _retire(current, _("Already done: this screening is needed only once."))
            continue
        fields = _item_fields(planned, ruleset, due)
        if current is None:
            FollowUpItem.objects.create(patient=patient, plan=plan, visibility=visibility, **fields)
        else:
            for name, value in fields.items():
                setattr(current, name, value)
            current.plan = plan
            current.version += 1
            current.save()
    for slot, item in open_by_slot.items():
        if slot not in wanted:
            _retire(
                item,
                _("No longer indicated by rule set %(name)s %(version)s.")
                % {"name": ruleset.name, "version": ruleset.version},
            )
    record_patient_event(user, AuditAction.UPDATE, patient=patient, obj=plan, detail="care plan recomputed")
    return plan


def _due_for_slot(planned: engine.ScreeningItem, patient: Patient, closed: list[FollowUpItem]) -> date | None:
    """Where the slot's series stands: a one-time screening closed once stays closed; a recurring
    one continues one interval after its last closure (done, declined or waived)."""
    if not closed:
        return planned.first_due
    if not planned.recurring:
        return None
    last = max(i.completed_on or timezone.localdate(i.closed_at) for i in closed)
    return engine.next_due(planned.schedule, patient.date_of_birth, last)


def _item_fields(planned: engine.ScreeningItem, ruleset: RuleSet, due: date) -> dict:
    return {
        "ruleset": ruleset,
        "slot": planned.slot,
        "screening_key": planned.key,
        "what": planned.what,
        "what_plain": _plain(ruleset, planned),
        "why": planned.why,
        "late_effect": planned.late_effect,
        "rule_ids": list(planned.rule_ids),
        "sources": list(planned.sources),
        "reasons": list(planned.reasons),
        "schedule": planned.schedule,
        "due_on": due,
    }


def _plain(ruleset: RuleSet, planned: engine.ScreeningItem) -> str:
    for rule in ruleset.content["rules"]:
        if rule["id"] == planned.rule_ids[0]:
            for screening in rule["screening"]:
                slot = screening["key"] + (f":{screening['variant']}" if screening.get("variant") else "")
                if slot == planned.slot:
                    return screening.get("what_plain", "")
    return ""


def _retire(item: FollowUpItem, reason: str) -> None:
    item.status = FollowUpStatus.RETIRED
    item.status_reason = reason
    item.closed_at = timezone.now()
    item.version += 1
    item.save()


def recompute_from_stored_exposures(plan_id: int) -> CarePlan | None:
    """Rule-set change: recompute from the summary the plan remembers."""
    plan = CarePlan.objects.select_related("patient").get(pk=plan_id)
    return recompute_care_plan(plan.patient, summary_from_json(plan.exposures))


def recompute_all_from_stored_exposures() -> int:
    """Every plan, one transaction each (a long rule-set rollout never holds one big lock)."""
    count = 0
    for plan_id in CarePlan.objects.order_by("id").values_list("id", flat=True).iterator():
        recompute_from_stored_exposures(plan_id)
        count += 1
    return count


def recompute_for_patient(patient_id: int, summary: ExposureSummary | None = None) -> CarePlan | None:
    """The child's plan from the given exposures (or the stored ones); None if the child is gone."""
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return None
    return recompute_care_plan(patient, summary if summary is not None else load_exposure_summary(patient))


# --- Clinician actions on items ----------------------------------------------------------------

CLOSE_FIELDS = ["status", "completed_on", "result_note", "status_reason", "closed_by", "closed_at"]


def _require_edit(user, patient: Patient) -> None:
    if not can_edit_patient(user, patient):
        raise ValidationError(_("You cannot change this child's care plan."))


@transaction.atomic
def complete_item(
    user, item: FollowUpItem, *, done_on: date, result_note: str = "", version: int | None = None
) -> FollowUpItem | None:
    """Mark an item done; for a recurring screening, schedule the next one. Returns the next item.

    `version` is the item version the user saw: if the item changed since (e.g. a recompute moved
    it), StaleEdit is raised instead of recording against a changed item.
    """
    _require_edit(user, item.patient)
    item = FollowUpItem.objects.select_for_update().select_related("patient", "plan").get(pk=item.pk)
    if item.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is already closed."))
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    item.status = FollowUpStatus.DONE
    item.completed_on = done_on
    item.result_note = result_note
    item.closed_by = user
    item.closed_at = timezone.now()
    save_versioned(item, item.version if version is None else version, CLOSE_FIELDS)
    record_patient_event(user, AuditAction.UPDATE, patient=item.patient, obj=item, detail="status=done")
    following = engine.next_due(item.schedule, item.patient.date_of_birth, done_on) if item.recurring else None
    if following is None:
        return None
    nxt = FollowUpItem.objects.create(
        patient=item.patient,
        plan=item.plan,
        visibility=item.visibility,
        released_at=item.released_at,
        previous=item,
        **{
            name: getattr(item, name)
            for name in (
                "ruleset",
                "slot",
                "screening_key",
                "what",
                "what_plain",
                "why",
                "late_effect",
                "rule_ids",
                "sources",
                "reasons",
                "schedule",
            )
        },
        due_on=following,
    )
    record_patient_event(user, AuditAction.CREATE, patient=item.patient, obj=nxt, detail="next recurrence")
    return nxt


@transaction.atomic
def close_item(user, item: FollowUpItem, *, status: str, reason: str, version: int | None = None) -> FollowUpItem:
    """Declined (by the family) or waived (by the clinician), always with a reason."""
    _require_edit(user, item.patient)
    if status not in (FollowUpStatus.DECLINED, FollowUpStatus.WAIVED):
        raise ValidationError({"status": _("Choose declined or waived.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    item = FollowUpItem.objects.select_for_update().select_related("patient").get(pk=item.pk)
    if item.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is already closed."))
    item.status = status
    item.status_reason = reason.strip()
    item.closed_by = user
    item.closed_at = timezone.now()
    save_versioned(item, item.version if version is None else version, CLOSE_FIELDS)
    record_patient_event(user, AuditAction.UPDATE, patient=item.patient, obj=item, detail=f"status={status}")
    return item


@transaction.atomic
def release_plan(user, patient: Patient) -> int:
    """Show the plan's items to the family from now on (new items too). Returns items released."""
    _require_edit(user, patient)
    plan = CarePlan.objects.select_for_update().filter(patient=patient).first()
    if plan is None:
        raise ValidationError(_("There is no care plan to release yet."))
    plan.released_to_family = True
    plan.save(update_fields=["released_to_family"])
    count = FollowUpItem.objects.filter(patient=patient, visibility=Visibility.CLINICIAN_ONLY).update(
        visibility=Visibility.RELEASED, released_at=timezone.now()
    )
    record_patient_event(user, AuditAction.UPDATE, patient=patient, obj=plan, detail="released to family")
    return count


__all__ = [
    "RuleSetError",
    "activate_ruleset",
    "active_ruleset",
    "close_item",
    "complete_item",
    "load_ruleset",
    "recompute_care_plan",
    "recompute_from_stored_exposures",
    "reference_vocabularies",
    "release_plan",
]
