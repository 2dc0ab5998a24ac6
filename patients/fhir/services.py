"""FHIR export and import, through the access policy and the clinical services.

export_bundle(): the child's record as a validated document Bundle, in a fixed number of queries;
families get released entries only (the family rule) and no clinician-only derived data.
import_bundle(): a passport read leniently (import_map), refused whole on any error, else written
through the clinical services (patient, diagnosis, treatment summary) in one transaction, the exposures
and the late-effects plan recomputed, and the sending centre's plan compared with ours.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients import services as patient_services
from patients.clinical import selectors as clinical_selectors
from patients.clinical import services as clinical_services
from patients.clinical.exposure_store import ALKYLATOR_FIELDS, ANTHRACYCLINE_FIELDS, load_exposure_summary
from patients.exposures.calculate import per_dose_mg_m2
from patients.late_effects import services as late_effects_services
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus
from patients.models import ManualTreatmentSummary, Patient, PredispositionSyndrome, TimelineEntry
from patients.models.timeline import DETAIL_RELATED
from portal.care.access import (
    can_edit_patient,
    deny_patient,
    is_family_user,
    record_patient_event,
    visible_entries,
)
from portal.care.models import AuditAction

from . import codes as c
from .export_map import build_bundle
from .import_map import ImportPlan, read_passport
from .models import PassportImport
from .validation import validate_strict


class PassportRefused(Exception):
    """The passport cannot be mapped safely; nothing was saved."""

    def __init__(self, problems: list[dict], plan: ImportPlan | None = None):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.plan = plan


# --- export ------------------------------------------------------------------------------------------


def _iso(d) -> str | None:
    return d.isoformat() if d else None


def _recommendation_codes(ruleset_content: dict) -> dict[str, list[int]]:
    return {r["id"]: list(r.get("pcsp_recommendation", ())) for r in ruleset_content.get("rules", [])}


def export_record(user, patient: Patient) -> dict:
    """The plain record export_map turns into a Bundle (what this user may see of it)."""
    family = is_family_user(user)
    entries = list(
        visible_entries(user, patient, TimelineEntry.objects.all())
        .select_related("chemo__drug", *DETAIL_RELATED.values())  # every kind's detail: e.detail is read for all
        .prefetch_related("lumbar_puncture__it_drugs")
        .order_by("occurred_on", "id")
    )
    diagnosis = clinical_selectors.diagnosis_of(patient)
    risk = clinical_selectors.latest_confirmed_risk(patient)
    record: dict = {
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "family": family,
        "patient": {
            "id": patient.pk,
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
        },
        "mrd": [],
        "labs": [],
        "chemo": [],
        "procedures": [],
    }
    if diagnosis is not None:
        record["diagnosis"] = {
            "id": diagnosis.pk,
            "diagnosed_on": diagnosis.diagnosed_on.isoformat(),
            "lineage": diagnosis.lineage,
            "lineage_label": str(diagnosis.get_lineage_display()),
            "risk_group": risk.effective_group if risk else None,
            "risk_label": risk.effective_group.replace("_", " ").capitalize() if risk else None,
            "risk_date": _iso(risk.created_at.date()) if risk and getattr(risk, "created_at", None) else None,
            "predispositions": list(diagnosis.predisposition_syndromes.order_by("code").values("code", "name")),
        }
    per_drug: dict[str, dict] = {}
    for e in entries:
        d = e.detail
        if e.kind == "chemo" and d is not None:
            record["chemo"].append(
                {
                    "id": e.pk,
                    "date": e.occurred_on.isoformat(),
                    "end": _iso(e.ends_on),
                    "drug_code": d.drug.code,
                    "drug_name": d.drug.name,
                    "drug_class": d.drug.drug_class,
                    "atc": d.drug.atc_code or c.DRUG_ATC.get(d.drug.code, ""),
                    "dose": float(d.dose),
                    "dose_unit": d.dose_unit,
                    "doses": d.doses,
                    "route": d.route,
                }
            )
            one = per_dose_mg_m2(
                float(d.dose), d.dose_unit, d.bsa_m2 and float(d.bsa_m2), d.weight_kg and float(d.weight_kg)
            )
            if one is not None and d.route != "intrathecal":
                slot = per_drug.setdefault(
                    d.drug.code,
                    {"code": d.drug.code, "name": d.drug.name, "atc": record["chemo"][-1]["atc"], "mg_m2": 0.0},
                )
                slot["mg_m2"] += one * d.doses
        elif e.kind == "mrd" and d is not None:
            record["mrd"].append(
                {
                    "id": e.pk,
                    "date": e.occurred_on.isoformat(),
                    "timepoint": d.timepoint,
                    "timepoint_label": str(d.get_timepoint_display()),
                    "sample_label": str(d.get_sample_display()),
                    "method": d.method,
                    "method_label": str(d.get_method_display()),
                    "value_pct": None if d.value_pct is None else float(d.value_pct),
                    "negative_below_pct": None if d.negative_below_pct is None else float(d.negative_below_pct),
                }
            )
        elif e.kind == "lab" and d is not None:
            record["labs"].append(
                {"id": e.pk, "date": e.occurred_on.isoformat(), "test": d.test_name, "value": d.value, "unit": d.unit}
            )
        elif e.kind == "radiation" and d is not None:
            record["procedures"].append(
                {
                    "id": e.pk,
                    "kind": "radiation",
                    "date": e.occurred_on.isoformat(),
                    "end": _iso(e.ends_on),
                    "site": d.site,
                    "site_label": str(d.get_site_display()),
                    "gy": float(d.total_gy),
                    "fractions": d.fractions,
                }
            )
        elif e.kind == "lumbar_puncture":
            drugs = [(x.name, x.atc_code or c.DRUG_ATC.get(x.code, "")) for x in d.it_drugs.all()] if d else []
            record["procedures"].append(
                {"id": e.pk, "kind": "lumbar_puncture", "date": e.occurred_on.isoformat(), "it_drugs": drugs}
            )
        elif e.kind == "transplant":
            record["procedures"].append(
                {
                    "id": e.pk,
                    "kind": "transplant",
                    "date": e.occurred_on.isoformat(),
                    "subtype": e.subtype,
                    "subtype_label": str(e.get_subtype_display()) if e.subtype else "",
                }
            )
        elif e.kind == "transfusion" and d is not None:
            record["procedures"].append(
                {
                    "id": e.pk,
                    "kind": "transfusion",
                    "date": e.occurred_on.isoformat(),
                    "product": d.product,
                    "units": d.units,
                }
            )
        elif e.kind == "procedure" and e.subtype.startswith("central_line"):
            record["procedures"].append(
                {
                    "id": e.pk,
                    "kind": "central_line",
                    "date": e.occurred_on.isoformat(),
                    "subtype_label": str(e.get_subtype_display()),
                }
            )
    if not family:
        summary = load_exposure_summary(patient)
        record["exposures"] = {
            "dox_eq_mg_m2": summary.anthracycline_dox_eq_mg_m2,
            "ced_mg_m2": summary.ced_mg_m2,
            "per_drug": [per_drug[k] for k in sorted(per_drug)],
            "therapy_start": _iso(summary.therapy_start),
            "therapy_end": _iso(summary.therapy_end),
        }
        record["therapy"] = (_iso(summary.therapy_start), _iso(summary.therapy_end))
    plan = CarePlan.objects.filter(patient=patient).select_related("ruleset").first()
    if plan is not None:
        items = list(
            visible_entries(user, patient, FollowUpItem.objects.filter(plan=plan, status=FollowUpStatus.OPEN))
            .select_related("ruleset")
            .order_by("due_on", "slot")
        )
        codes_by_ruleset: dict[int, dict] = {}
        out = []
        for item in items:
            if item.ruleset_id not in codes_by_ruleset:
                codes_by_ruleset[item.ruleset_id] = _recommendation_codes(item.ruleset.content)
            rule_codes = codes_by_ruleset[item.ruleset_id]
            pcsp = sorted({code for rule in item.rule_ids for code in rule_codes.get(rule, ())})
            out.append(
                {
                    "id": item.pk,
                    "what": item.what_plain if family and item.what_plain else item.what,
                    "why": item.why,
                    "due_on": item.due_on.isoformat(),
                    "status": item.status,
                    "rule_ids": list(item.rule_ids),
                    "pcsp_codes": pcsp,
                }
            )
        record["care_plan"] = {"id": plan.pk, "created": plan.computed_at.date().isoformat(), "items": out}
    return record


def export_bundle(user, patient: Patient) -> dict:
    """The validated Bundle; the export is audited (the caller resolved the child through the policy)."""
    bundle = build_bundle(export_record(user, patient))
    validate_strict(bundle)
    record_patient_event(user, AuditAction.EXPORT, patient=patient, obj=patient, detail="fhir_bundle")
    return bundle


# --- import ------------------------------------------------------------------------------------------


def checksum(bundle: dict) -> str:
    canonical = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _match_patient(user, plan: ImportPlan, target: Patient | None) -> Patient | None:
    data = plan.patient
    if target is not None:
        if target.date_of_birth != data["date_of_birth"]:
            raise PassportRefused(
                [
                    {
                        "entry": None,
                        "path": "Patient.birthDate",
                        "message": "the passport's date of birth is not this child's",
                    }
                ],
                plan,
            )
        return target
    candidates = Patient.objects.filter(date_of_birth=data["date_of_birth"])
    if data.get("mrn"):
        by_mrn = candidates.filter(mrn=data["mrn"]).first()
        if by_mrn is not None:
            return by_mrn
    return candidates.filter(given_name__iexact=data["given_name"], family_name__iexact=data["family_name"]).first()


def _summary_data(plan: ImportPlan, centre: str) -> dict:
    s = plan.summary
    data: dict = {"treating_centre": centre[:160]}
    for code in (*ANTHRACYCLINE_FIELDS, *ALKYLATOR_FIELDS):
        data[f"{code}_mg_m2"] = Decimal(str(s.get(f"{code}_mg_m2", 0)))
    for name in ("other_alkylator", "corticosteroids", "vinca_alkaloid", "methotrexate", "high_dose_methotrexate",
                 "high_dose_cytarabine", "thiopurine", "intrathecal_chemotherapy", "asparaginase", "hsct",
                 "transfusion_before_1993", "transfusion_before_1972"):  # fmt: skip
        data[name] = bool(s.get(name, False))
    data["corticosteroid_long_courses"] = int(s.get("corticosteroid_long_courses", 0))
    data["red_cell_transfusions"] = int(s.get("red_cell_transfusions", 0))
    for name in ("cranial_radiation_gy", "heart_radiation_gy", "tbi_gy"):
        data[name] = Decimal(str(round(s.get(name, 0), 2)))
    age = s.get("cranial_radiation_age_years")
    data["cranial_radiation_age_years"] = None if age is None else Decimal(str(age))
    data["therapy_start"] = s.get("therapy_start")
    data["therapy_end"] = s.get("therapy_end")
    notes = list(plan.notes)
    if plan.review:
        notes.insert(0, "Exposures incomplete until reviewed: " + "; ".join(x.message for x in plan.review))
    data["notes"] = "\n".join(notes)[:4000]
    return data


def _predispositions(plan: ImportPlan) -> list[PredispositionSyndrome]:
    """The passport's predisposition syndromes we know; any other is noted for the clinician."""
    known = list(PredispositionSyndrome.objects.filter(code__in=plan.predispositions))
    unknown = sorted(set(plan.predispositions) - {p.code for p in known})
    if unknown:
        plan.notes.append("Predisposition syndromes not in our list: " + ", ".join(unknown))
    return known


def compare_plans(theirs: list[dict], ours: list[FollowUpItem], rule_codes: dict[str, list[int]]) -> dict:
    """Their recommendation codes (not cancelled) beside ours, with the differences named."""
    their_codes = {r["code"] for r in theirs if r.get("status") not in ("cancelled", "stopped", "entered-in-error")}
    our_codes: dict[int, list[str]] = {}
    for item in ours:
        for rule in item.rule_ids:
            for code in rule_codes.get(rule, ()):
                our_codes.setdefault(code, []).append(item.what)
    return {
        "both": sorted(their_codes & set(our_codes)),
        "only_theirs": sorted(their_codes - set(our_codes)),
        "only_ours": sorted(set(our_codes) - their_codes),
        "ours": {code: sorted(set(whats)) for code, whats in sorted(our_codes.items())},
    }


def import_bundle(user, bundle: dict, *, patient: Patient | None = None) -> tuple[PassportImport, bool]:
    """Read a passport into a child's record. (import row, created); created is False for a duplicate.

    Raises PassportRefused (nothing saved) when the passport cannot be mapped safely, and Http404 (through
    the access policy) when the matched child is one this user may not edit.
    """
    plan = read_passport(bundle)
    if not plan.ok:
        raise PassportRefused([x.as_dict() for x in plan.errors], plan)
    digest = checksum(bundle)
    target = _match_patient(user, plan, patient)
    if target is not None and not can_edit_patient(user, target):
        raise deny_patient(user, target.pk, edit=True)
    if target is not None:
        existing = PassportImport.objects.filter(patient=target, checksum=digest).first()
        if existing is not None:
            return existing, False
    centre = plan.centre or "another centre"
    try:
        with transaction.atomic():
            if target is None:
                mrn = plan.patient.get("mrn") or f"EXT-{digest[:12].upper()}"
                target = patient_services.create_patient(
                    user,
                    {
                        "mrn": mrn,
                        "given_name": plan.patient["given_name"],
                        "family_name": plan.patient["family_name"],
                        "date_of_birth": plan.patient["date_of_birth"],
                        "sex": plan.patient["sex"],
                        "status": "ltfu",
                    },
                )
            d = plan.diagnosis
            if d and d.get("lineage") and d.get("diagnosed_on") and clinical_selectors.diagnosis_of(target) is None:
                clinical_services.save_diagnosis(
                    user,
                    target,
                    {
                        "diagnosed_on": d["diagnosed_on"],
                        "lineage": d["lineage"],
                        "predisposition_syndromes": _predispositions(plan),
                    },
                )
            manual = ManualTreatmentSummary.objects.filter(patient=target).first()
            clinical_services.save_manual_summary(
                user, target, _summary_data(plan, centre), expected_version=manual.version if manual else None
            )
            late_effects_services.recompute_for_patient(target.pk)
            row = PassportImport.objects.create(
                patient=target,
                checksum=digest,
                source_patient_id=plan.patient.get("source_id", "")[:120],
                centre=centre[:200],
                bundle_type=plan.bundle_type[:20],
                counts=plan.counts(),
                warnings=[x.as_dict() for x in plan.warnings],
                review=[x.as_dict() for x in plan.review],
                their_recommendations=plan.recommendations,
                imported_by=user,
            )
            record_patient_event(user, AuditAction.CREATE, patient=target, obj=row, detail="fhir_import")
    except ValidationError as exc:
        problems = [
            {"entry": None, "path": field, "message": str(m)}
            for field, messages in exc.message_dict.items()
            for m in messages
        ]
        raise PassportRefused(problems, plan) from exc
    return row, True


def comparison_for(row: PassportImport) -> dict:
    plan = CarePlan.objects.filter(patient=row.patient).select_related("ruleset").first()
    if plan is None:
        return compare_plans(row.their_recommendations, [], {})
    items = list(FollowUpItem.objects.filter(plan=plan, status=FollowUpStatus.OPEN))
    return compare_plans(row.their_recommendations, items, _recommendation_codes(plan.ruleset.content))
