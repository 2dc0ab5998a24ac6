"""Reading a Survivorship Passport (a FHIR R4 Bundle) into what our record holds: pure, no Django.

read_passport() never raises on content: it returns an ImportPlan with
- errors: what cannot be mapped safely (no patient, a dose without a unit, a reference that does not
  resolve or points at the wrong resource type where we need it); any error refuses the whole import;
- warnings: every deviation from strict R4 and every tolerated gap (data-absent values), with location;
- review: codes we do not know (drugs, procedures, radiation sites); the exposures stay incomplete
  until a clinician resolves them;
- per entry, whether it was mapped into our record, and the treatment summary fields.
Each issue is located by entry index and FHIRPath (Bundle.entry[3].resource.valueQuantity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from patients.ages import age_on
from patients.exposures.calculate import long_steroid_spans

from . import codes as c
from .validation import resource_problems

ANTHRACYCLINES = ("doxorubicin", "daunorubicin", "epirubicin", "idarubicin", "mitoxantrone")
ALKYLATORS = (
    "cyclophosphamide", "ifosfamide", "procarbazine", "chlorambucil", "carmustine", "lomustine",
    "melphalan", "thiotepa", "mechlorethamine", "busulfan",
)  # fmt: skip
FLAGS = {
    "vincristine": "vinca_alkaloid",
    "vinblastine": "vinca_alkaloid",
    "methotrexate": "methotrexate",
    "mercaptopurine": "thiopurine",
    "thioguanine": "thiopurine",
    "pegaspargase": "asparaginase",
    "asparaginase_erwinia": "asparaginase",
    "calaspargase": "asparaginase",
}
CORTICOSTEROIDS = ("prednisone", "prednisolone", "dexamethasone", "methylprednisolone", "hydrocortisone")
HIGH_DOSE = {"methotrexate": "high_dose_methotrexate", "cytarabine": "high_dose_cytarabine"}
HEART_SITES = ("chest", "mediastinum", "whole_lung", "tbi")
# Values real passports use for "not known" instead of the data-absent-reason extension.
ABSENT_SENTINELS = {-9922, -9999, -1}
TRANSFUSION_CODES = {"116863004", "116859006", "5447007"}


@dataclass
class Issue:
    index: int | None
    path: str
    message: str

    def as_dict(self) -> dict:
        return {"entry": self.index, "path": self.path, "message": self.message}


@dataclass
class ImportPlan:
    bundle_type: str = ""
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    review: list[Issue] = field(default_factory=list)
    mapped: list[int] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)
    patient: dict = field(default_factory=dict)
    diagnosis: dict | None = None
    predispositions: list[str] = field(default_factory=list)  # our PredispositionSyndrome codes
    summary: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    centre: str = ""
    recommendations: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def incomplete(self) -> bool:
        return bool(self.review)

    def counts(self) -> dict:
        return {
            "mapped": len(self.mapped),
            "unmapped": len(self.unmapped),
            "tolerated": len(self.warnings),
            "review": len(self.review),
            "errors": len(self.errors),
        }


def _loc(index: int | None, path: str) -> str:
    return (
        f"Bundle.entry[{index}].resource" + path.partition(".")[1] + path.partition(".")[2]
        if index is not None
        else path
    )


def _date(value) -> date | None:
    if not isinstance(value, str):
        return None
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def _codings(concept) -> list[dict]:
    if isinstance(concept, dict):
        return [x for x in concept.get("coding", []) if isinstance(x, dict)]
    return []


def _code(concept, system: str) -> str | None:
    for x in _codings(concept):
        if x.get("system") == system and x.get("code"):
            return str(x["code"])
    return None


class _Reader:
    def __init__(self, bundle: dict):
        self.bundle = bundle
        self.plan = ImportPlan(bundle_type=str(bundle.get("type", "")))
        self.entries: list[tuple[int, dict]] = []
        self.index: dict[str, tuple[int, dict]] = {}
        self.used_observations: set[str] = set()

    # --- helpers --------------------------------------------------------------------------------

    def error(self, i, path, msg):
        self.plan.errors.append(Issue(i, _loc(i, path), msg))

    def warn(self, i, path, msg):
        self.plan.warnings.append(Issue(i, _loc(i, path), msg))

    def needs_review(self, i, path, msg):
        self.plan.review.append(Issue(i, _loc(i, path), msg))

    def resolve(self, i: int, path: str, ref: dict | None, want: str, *, required: bool) -> dict | None:
        """The resource a reference points at, or None with an error (required) or a warning."""
        target = ref.get("reference") if isinstance(ref, dict) else None
        if not target:
            if required:
                self.error(i, path, f"a reference to {want} is needed here")
            return None
        found = self.index.get(target)
        if found is None and "/" in target:
            found = self.index.get("/".join(target.rstrip("/").split("/")[-2:]))
        if found is None:
            (self.error if required else self.warn)(i, path, f"reference {target} does not resolve in the Bundle")
            return None
        resource = found[1]
        if resource.get("resourceType") != want:
            self.error(i, path, f"reference {target} is a {resource.get('resourceType')}, {want} expected")
            return None
        return resource

    def related_info(self, i: int, resource: dict) -> dict | None:
        for n, ext in enumerate(resource.get("extension", []) or []):
            if isinstance(ext, dict) and ext.get("url") == c.RELATED_INFO:
                ref = ext.get("valueReference")
                obs = self.resolve(i, f"{resource['resourceType']}.extension[{n}].valueReference", ref, "Observation",
                                   required=True)  # fmt: skip
                if obs is not None:
                    self.used_observations.add(ref["reference"])
                return obs
        return None

    def quantity(self, i, path, resource) -> tuple[float | None, str | None]:
        """(value, unit) of an Observation's valueQuantity; data-absent gives (None, unit) with a warning."""
        q = resource.get("valueQuantity")
        if not isinstance(q, dict):
            self.warn(i, path, "value absent (dataAbsentReason or no valueQuantity)")
            return None, None
        value = q.get("value")
        unit = q.get("code") or q.get("unit")
        if value is None or (isinstance(value, int | float) and value in ABSENT_SENTINELS):
            self.warn(i, f"{path}.valueQuantity.value", f"dose not given ({value!r}): treated as unknown")
            return None, unit
        if not unit:
            self.error(i, f"{path}.valueQuantity", "a dose without a unit")
            return None, None
        if not isinstance(value, int | float) or value < 0:
            self.error(i, f"{path}.valueQuantity.value", f"not a dose: {value!r}")
            return None, None
        return float(value), unit

    # --- reading ---------------------------------------------------------------------------------

    def read(self) -> ImportPlan:
        if self.bundle.get("resourceType") != "Bundle":
            self.error(None, "Bundle", "not a FHIR Bundle")
            return self.plan
        if self.plan.bundle_type not in ("searchset", "collection", "document", "transaction"):
            self.warn(None, "Bundle.type", f"unexpected Bundle type {self.plan.bundle_type!r}")
        for i, entry in enumerate(self.bundle.get("entry", []) or []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict) or "resourceType" not in resource:
                self.error(i, f"Bundle.entry[{i}]", "entry without a resource")
                continue
            self.entries.append((i, resource))
            rtype, rid = resource["resourceType"], resource.get("id")
            if entry.get("fullUrl"):
                self.index[entry["fullUrl"]] = (i, resource)
            if rid:
                self.index[f"{rtype}/{rid}"] = (i, resource)
            for path, message in resource_problems(resource):
                self.warn(i, path, f"not strict R4: {message}")
        patients = [(i, r) for i, r in self.entries if r["resourceType"] == "Patient"]
        if not patients:
            self.error(None, "Bundle.entry", "no Patient in the passport")
            return self.plan
        if len(patients) > 1:
            self.error(patients[1][0], "Patient", "more than one Patient in one passport")
        self.read_patient(*patients[0])
        self.patient_keys = {f"Patient/{patients[0][1].get('id')}"} | {
            k for k, v in self.index.items() if v[1] is patients[0][1]
        }
        handlers = {
            "Condition": self.read_condition,
            "MedicationAdministration": self.read_medication,
            "Procedure": self.read_procedure,
            "CarePlan": self.read_care_plan,
            "Composition": self.read_composition,
            "Organization": self.read_organization,
        }
        for i, resource in self.entries:
            rtype = resource["resourceType"]
            if rtype == "Patient":
                continue
            self.check_subject(i, resource)
            handler = handlers.get(rtype)
            if handler is None:
                continue
            if handler(i, resource):
                self.plan.mapped.append(i)
        for i, resource in self.entries:
            if resource["resourceType"] == "Observation":
                keys = {k for k, v in self.index.items() if v[1] is resource}
                if keys & self.used_observations:
                    self.plan.mapped.append(i)
                    continue
                if self.read_observation(i, resource):
                    self.plan.mapped.append(i)
        mapped = set(self.plan.mapped)
        self.plan.unmapped = [i for i, _ in self.entries if i not in mapped]
        self.plan.mapped = sorted(mapped)
        self.finish()
        return self.plan

    def check_subject(self, i, resource) -> None:
        ref = resource.get("subject") or resource.get("patient")
        if resource["resourceType"] in ("Organization", "Location", "Encounter"):
            return
        if not isinstance(ref, dict):
            if resource["resourceType"] in ("MedicationAdministration", "Procedure", "Condition", "Observation"):
                self.error(i, f"{resource['resourceType']}.subject", "no subject: whose record is this?")
            return
        target = self.resolve(i, f"{resource['resourceType']}.subject", ref, "Patient", required=True)
        if target is not None and ref.get("reference") not in self.patient_keys:
            self.error(i, f"{resource['resourceType']}.subject", "subject is another patient")

    def read_patient(self, i, r) -> None:
        name = next((n for n in r.get("name", []) if isinstance(n, dict) and n.get("use") != "old"), None)
        name = name or (r.get("name") or [{}])[0]
        born = _date(r.get("birthDate"))
        if born is None:
            self.error(i, "Patient.birthDate", "no date of birth: the patient cannot be matched safely")
        given = " ".join(name.get("given", []) or []) or ""
        family = name.get("family") or ""
        if not given or not family:
            self.error(i, "Patient.name", "no given and family name")
        identifiers = [(x.get("system", ""), x.get("value")) for x in r.get("identifier", []) or [] if x.get("value")]
        gender = r.get("gender")
        sex = gender if gender in ("female", "male") else ("intersex" if gender == "other" else "unknown")
        self.plan.patient = {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born,
            "sex": sex,
            "identifiers": identifiers,
            "mrn": next((v for s, v in identifiers if s == c.PROJECT_MRN), None),
            "source_id": r.get("id") or "",
        }
        self.plan.mapped.append(i)

    def read_condition(self, i, r) -> bool:
        morphology = None
        onset = _date(r.get("onsetDateTime"))
        for ext in r.get("extension", []) or []:
            if ext.get("url") == c.MORPHOLOGY_EXT:
                morphology = _code(ext.get("valueCodeableConcept"), c.ICDO3)
            if ext.get("url") == c.ASSERTED_DATE_EXT:
                onset = onset or _date(ext.get("valueDateTime"))
        if morphology is None:
            syndrome = _code(r.get("code"), c.PROJECT_CS) or ""
            if syndrome.startswith(c.PREDISPOSITION_PREFIX):
                self.plan.predispositions.append(syndrome.removeprefix(c.PREDISPOSITION_PREFIX))
                return True
            return False  # e.g. a late effect recorded as a Condition: kept in the passport, not mapped
        lineage = c.ICDO3_LINEAGE.get(morphology)
        text = (r.get("code") or {}).get("text") or morphology
        if self.plan.diagnosis is None:
            self.plan.diagnosis = {"morphology": morphology, "lineage": lineage, "diagnosed_on": onset, "text": text}
            if lineage is None:
                self.plan.notes.append(f"Diagnosis {morphology} ({text}) is not acute lymphoblastic leukaemia.")
            if onset is None:
                self.warn(i, "Condition.onset", "no date of diagnosis")
        return True

    def _summary_add(self, name: str, value: float) -> None:
        self.plan.summary[name] = round(self.plan.summary.get(name, 0.0) + value, 1)

    def read_medication(self, i, r) -> bool:
        atc = _code(r.get("medicationCodeableConcept"), c.ATC)
        if atc is None:
            self.needs_review(i, "MedicationAdministration.medication", "no ATC code: the drug is unknown")
            return False
        drug = c.ATC_DRUG.get(atc)
        if (
            drug is None
            and atc.startswith("L01XX") is False
            and atc in ("L01AA02", "L01AA05", "L01AD01", "L01AD02", "L01XB01")
        ):
            drug = {"L01AA02": "chlorambucil", "L01AA05": "mechlorethamine", "L01AD01": "carmustine",
                    "L01AD02": "lomustine", "L01XB01": "procarbazine"}[atc]  # fmt: skip
        if drug is None:
            self.needs_review(i, "MedicationAdministration.medicationCodeableConcept", f"unknown drug ATC {atc}")
            return False
        period = r.get("effectivePeriod") or {}
        start = _date(period.get("start") or r.get("effectiveDateTime"))
        end = _date(period.get("end")) or start
        self.dates.extend(d for d in (start, end) if d)
        dosage = r.get("dosage") or {}
        route = c.SNOMED_ROUTE.get(_code(dosage.get("route"), c.SNOMED) or "")
        if route == "intrathecal":
            self.plan.summary["intrathecal_chemotherapy"] = True
            if drug == "methotrexate":
                self.plan.summary["methotrexate"] = True
            return True
        obs = self.related_info(i, r)
        if drug in HIGH_DOSE:
            dose = dosage.get("dose") or {}
            unit = dose.get("code") or dose.get("unit")
            per_m2 = c.CUMULATIVE_UNITS.get(unit or "")
            if dose.get("value") is not None and per_m2 and route == "iv" and dose["value"] * per_m2 >= 1000:
                self.plan.summary[HIGH_DOSE[drug]] = True
        if drug in CORTICOSTEROIDS:
            self.plan.summary["corticosteroids"] = True
            if start and end:
                self.steroid_spans.append((start, end))
        if drug in FLAGS:
            self.plan.summary[FLAGS[drug]] = True
        if drug in ANTHRACYCLINES or drug in ALKYLATORS:
            self.read_cumulative(i, drug, obs)
        return True

    def read_cumulative(self, i, drug, obs) -> None:
        if obs is None:
            self.warn(i, "MedicationAdministration.extension", f"no cumulative dose for {drug}")
            self.unknown_dose(i, drug)
            return
        oi = self.index_of(obs)
        if id(obs) in self.doses_seen:
            return
        self.doses_seen.add(id(obs))
        value, unit = self.quantity(oi, "Observation", obs)
        if value is None:
            if unit is not None or not self.plan.errors:
                self.unknown_dose(i, drug)
            return
        factor = c.CUMULATIVE_UNITS.get(unit)
        if unit not in c.CUMULATIVE_UNITS or factor is None:
            self.needs_review(oi, "Observation.valueQuantity.code", f"{drug}: dose in {unit}, not mg/m²")
            return
        self._summary_add(f"{drug}_mg_m2", value * factor)

    def unknown_dose(self, i, drug) -> None:
        if drug in ALKYLATORS:
            self.plan.summary["other_alkylator"] = True
        self.needs_review(i, "MedicationAdministration", f"{drug} given, cumulative dose unknown")

    def index_of(self, resource) -> int:
        return next(i for i, r in self.entries if r is resource)

    def read_procedure(self, i, r) -> bool:
        category = _code(r.get("category"), c.SNOMED)
        code = _code(r.get("code"), c.SNOMED)
        period = r.get("performedPeriod") or {}
        start = _date(period.get("start") or r.get("performedDateTime"))
        end = _date(period.get("end"))
        if category == c.SCT_FIRST_LINE:
            self.therapy = (_date(period.get("start")), end)
            self.therapy_seen = True
            return True
        if category == c.SCT_RADIOTHERAPY:
            return self.read_radiotherapy(i, r, start)
        if code in c.TRANSPLANT_CODES:
            self.plan.summary["hsct"] = True
            return True
        if code in TRANSFUSION_CODES:
            units = 1
            for ext in r.get("extension", []) or []:
                if ext.get("url") == f"{c.PROJECT}/StructureDefinition/transfusion-units":
                    units = int(ext.get("valueInteger") or 1)
            if code == "116863004":
                self.plan.summary["red_cell_transfusions"] = self.plan.summary.get("red_cell_transfusions", 0) + units
            if start and start < date(1993, 1, 1):
                self.plan.summary["transfusion_before_1993"] = True
            if start and start < date(1972, 1, 1):
                self.plan.summary["transfusion_before_1972"] = True
            return True
        if code in (c.SCT_LUMBAR_PUNCTURE[0], c.SCT_CENTRAL_LINE[0]) or category == c.SCT_SURGERY:
            if code == c.SCT_LUMBAR_PUNCTURE[0] and r.get("usedCode"):
                self.plan.summary["intrathecal_chemotherapy"] = True
                if any(_code(u, c.ATC) == "L01BA01" for u in r["usedCode"]):
                    self.plan.summary["methotrexate"] = True
            if category == c.SCT_SURGERY:
                self.plan.notes.append(f"Surgery on {start or 'an unknown date'} (not part of the exposures).")
            return True
        self.needs_review(i, "Procedure.code", f"unknown procedure {code or category or '(no code)'}")
        return False

    def read_radiotherapy(self, i, r, start) -> bool:
        obs = self.related_info(i, r)
        if obs is None:
            # A course (the parent of its fields): the dose and site are on the parts.
            if any(p.get("partOf") for _, p in self.entries if p.get("resourceType") == "Procedure"):
                return True
            self.needs_review(i, "Procedure", "radiotherapy without a dose")
            return False
        site = None
        for n, body in enumerate(r.get("bodySite", []) or []):
            ours = _code(body, c.PROJECT_CS)
            if ours and ours.startswith("site-"):
                site = ours.removeprefix("site-")
                break
            theirs = _code(body, c.RADIOTHERAPY_SITE_CS)
            if theirs:
                site = c.PCSP_SITE_CHAPTER.get(theirs.split(".")[0], "other")
                if site == "other":
                    self.plan.notes.append(f"Radiation to site {theirs} (no exposure field of ours).")
                break
            if _code(body, c.SNOMED) == "38266002":
                site = "tbi"
            del n
        if site is None and self.has_parts(r):
            return True  # the course: its fields carry the sites
        if site is None:
            self.needs_review(i, "Procedure.bodySite", "radiotherapy without a known site")
            return False
        if start is None and r.get("partOf"):
            parent = self.resolve(i, "Procedure.partOf[0]", r["partOf"][0], "Procedure", required=False)
            if parent is not None:
                start = _date((parent.get("performedPeriod") or {}).get("start"))
        oi = self.index_of(obs)
        value, unit = self.quantity(oi, "Observation", obs)
        if value is None:
            if site != "other":
                self.needs_review(i, "Procedure", f"{site} radiation, dose unknown")
            return True
        if unit != "Gy":
            self.error(oi, "Observation.valueQuantity.code", f"radiation dose in {unit!r}, Gy expected")
            return False
        self.radiation.append((site, value, start))
        if start:
            self.dates.append(start)
        return True

    def has_parts(self, r) -> bool:
        keys = {k for k, v in self.index.items() if v[1] is r}
        return any(
            (ref or {}).get("reference") in keys
            for _, p in self.entries
            if p.get("resourceType") == "Procedure"
            for ref in p.get("partOf", []) or []
        )

    def read_care_plan(self, i, r) -> bool:
        plan = []
        for n, activity in enumerate(r.get("activity", []) or []):
            detail = activity.get("detail") or {}
            code = _code(detail.get("code"), c.RECOMMENDATION_CS)
            if code is None:
                self.warn(i, f"CarePlan.activity[{n}].detail.code", "activity without a recommendation code")
                continue
            plan.append({"code": int(code), "status": detail.get("status", ""),
                         "description": detail.get("description", "")})  # fmt: skip
        created = r.get("created") or ""
        # Several CarePlans: the newest is the sending centre's current recommendations.
        if not self.plan.recommendations or created >= self.care_plan_created:
            self.plan.recommendations = plan
            self.care_plan_created = created
        return True

    def read_composition(self, i, r) -> bool:
        for author in r.get("author", []) or []:
            if isinstance(author, dict) and author.get("display"):
                self.plan.centre = self.plan.centre or author["display"]
        return True

    def read_organization(self, i, r) -> bool:
        if r.get("name"):
            self.plan.centre = r["name"]
            return True
        return False

    def read_observation(self, i, r) -> bool:
        # Ours (dox-eq, CED, per drug, risk group): recomputed from the per-drug doses, not copied.
        return _code(r.get("code"), c.PROJECT_CS) in ("dox-eq", "ced", "cumulative-dose", "risk-group")

    def finish(self) -> None:
        s = self.plan.summary
        for site, gy, start in self.radiation:
            if site in ("cranial", "craniospinal"):
                self._summary_add("cranial_radiation_gy", gy)
                born = self.plan.patient.get("date_of_birth")
                if start and born:
                    value = round(age_on(born, start).in_years, 1)
                    s["cranial_radiation_age_years"] = min(s.get("cranial_radiation_age_years", value), value)
            if site in HEART_SITES:
                self._summary_add("heart_radiation_gy", gy)
            if site == "tbi":
                self._summary_add("tbi_gy", gy)
        courses = long_steroid_spans(self.steroid_spans, 28)
        if courses:
            s["corticosteroid_long_courses"] = courses
        start, end = self.therapy
        s["therapy_start"] = start or (min(self.dates) if self.dates else None)
        # A first-line-treatment Procedure without an end says therapy has not been declared over.
        s["therapy_end"] = end if self.therapy_seen else (max(self.dates) if self.dates else None)

    dates: list
    steroid_spans: list
    radiation: list
    doses_seen: set
    therapy: tuple
    care_plan_created: str
    patient_keys: set


def read_passport(bundle: dict) -> ImportPlan:
    reader = _Reader(bundle if isinstance(bundle, dict) else {})
    reader.dates, reader.steroid_spans, reader.radiation, reader.doses_seen = [], [], [], set()
    reader.therapy_seen = False
    reader.therapy, reader.care_plan_created, reader.patient_keys = (None, None), "", set()
    return reader.read()
