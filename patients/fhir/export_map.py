"""The child's record (plain data gathered by patients.fhir.services) as a FHIR R4 document Bundle.

Pure: dicts in, dicts out; no Django. Every reference is a urn:uuid fullUrl inside the Bundle, built
from the resource type and our row id, so the same record exports to the same ids.
"""

from __future__ import annotations

import uuid

from . import codes as c

NAMESPACE = uuid.UUID("6f1d8a52-6a0e-4a43-9a4e-3c1c0f3b9a11")


def urn(kind: str, key) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


def coding(system: str, code: str, display: str | None = None) -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    out = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def quantity(value: float, ucum: str, unit: str | None = None) -> dict:
    return {"value": round(float(value), 4), "unit": unit or ucum, "system": c.UCUM, "code": ucum}


def _meta(profile_key: str | None) -> dict:
    return {"meta": {"profile": [c.PROFILE[profile_key]]}} if profile_key else {}


class _Builder:
    def __init__(self, record: dict):
        self.record = record
        self.entries: list[dict] = []
        self.sections: dict[str, list[str]] = {}
        self.patient_ref = urn("Patient", record["patient"]["id"])
        self.condition_ref: str | None = None

    def add(self, resource: dict, key, section: str | None = None) -> str:
        full_url = urn(resource["resourceType"], key)
        self.entries.append({"fullUrl": full_url, "resource": resource})
        if section:
            self.sections.setdefault(section, []).append(full_url)
        return full_url

    def subject(self) -> dict:
        return {"reference": self.patient_ref}

    # --- resources -----------------------------------------------------------------------------

    def patient(self) -> None:
        p = self.record["patient"]
        resource = {
            "resourceType": "Patient",
            **_meta("Patient"),
            "identifier": [{"system": c.PROJECT_MRN, "value": p["mrn"]}],
            "name": [{"use": "official", "family": p["family_name"], "given": [p["given_name"]]}],
            "gender": p["sex"] if p["sex"] in ("female", "male", "unknown") else "other",
            "birthDate": p["date_of_birth"],
        }
        self.add(resource, p["id"])

    def condition(self) -> None:
        d = self.record.get("diagnosis")
        if not d:
            return
        morphology, display = c.LINEAGE_ICDO3[d["lineage"]]
        resource = {
            "resourceType": "Condition",
            **_meta("Condition"),
            "extension": [
                {"url": c.ASSERTED_DATE_EXT, "valueDateTime": d["diagnosed_on"]},
                {"url": c.MORPHOLOGY_EXT, "valueCodeableConcept": concept(c.ICDO3, morphology, display)},
            ],
            "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "verificationStatus": concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
            "code": concept(c.SNOMED, "91857003", "Acute lymphoblastic leukemia", text=display),
            "subject": self.subject(),
            "onsetDateTime": d["diagnosed_on"],
        }
        if d.get("lineage_label"):
            resource["note"] = [{"text": f"Lineage: {d['lineage_label']}"}]
        if d.get("risk_group"):
            resource["extension"].append(
                {
                    "url": c.RISK_GROUP_EXT,
                    "valueCodeableConcept": concept(c.PROJECT_CS, f"risk-{d['risk_group']}", d["risk_label"]),
                }
            )
        self.condition_ref = self.add(resource, d["id"], "diagnosis")
        for syndrome in d.get("predispositions", ()):
            self.predisposition(d, syndrome)
        if d.get("risk_group"):
            self.add(
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": concept(c.PROJECT_CS, "risk-group", c.PROJECT_CODES["risk-group"]),
                    "subject": self.subject(),
                    "effectiveDateTime": d["risk_date"] or d["diagnosed_on"],
                    "valueCodeableConcept": concept(c.PROJECT_CS, f"risk-{d['risk_group']}", d["risk_label"]),
                    "focus": [{"reference": self.condition_ref}],
                },
                f"risk/{d['id']}",
                "diagnosis",
            )

    def reason(self) -> dict:
        return {"reasonReference": [{"reference": self.condition_ref}]} if self.condition_ref else {}

    def mrd(self) -> None:
        for m in self.record.get("mrd", ()):
            resource = {
                "resourceType": "Observation",
                "status": "final",
                "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
                "code": concept(c.LOINC, *c.LOINC_MRD),
                "subject": self.subject(),
                "effectiveDateTime": m["date"],
                "method": concept(c.PROJECT_CS, f"mrd-{m['method']}", m["method_label"]),
                "specimen": {"display": m["sample_label"]},
                "component": [
                    {
                        "code": concept(c.PROJECT_CS, "mrd-timepoint", c.PROJECT_CODES["mrd-timepoint"]),
                        "valueCodeableConcept": concept(c.PROJECT_CS, f"mrd-{m['timepoint']}", m["timepoint_label"]),
                    }
                ],
            }
            if m["value_pct"] is not None:
                resource["valueQuantity"] = quantity(m["value_pct"], "%")
            else:
                resource["valueQuantity"] = {**quantity(m["negative_below_pct"], "%"), "comparator": "<"}
                resource["interpretation"] = [
                    concept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG")
                ]
            self.add(resource, f"mrd/{m['id']}", "results")

    def labs(self) -> None:
        for lab in self.record.get("labs", ()):
            known = c.LAB_LOINC.get(lab["test"].strip().lower())
            code = concept(c.LOINC, known[0], known[1], text=lab["test"]) if known else {"text": lab["test"]}
            resource = {
                "resourceType": "Observation",
                "status": "final",
                "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
                "code": code,
                "subject": self.subject(),
                "effectiveDateTime": lab["date"],
            }
            try:
                value = float(lab["value"])
            except (TypeError, ValueError):
                resource["valueString"] = str(lab["value"])
            else:
                ucum = known[2] if known else (lab["unit"] or "1")
                resource["valueQuantity"] = quantity(value, ucum, lab["unit"] or ucum)
            self.add(resource, f"lab/{lab['id']}", "results")

    def predisposition(self, d: dict, syndrome: dict) -> None:
        """An inherited predisposition syndrome: its own Condition, beside (not inside) the leukaemia."""
        name = syndrome["name"]
        self.add(
            {
                "resourceType": "Condition",
                "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
                "verificationStatus": concept(
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"
                ),
                "category": [concept(c.PROJECT_CS, "predisposition", c.PROJECT_CODES["predisposition"])],
                "code": concept(c.PROJECT_CS, f"{c.PREDISPOSITION_PREFIX}{syndrome['code']}", name, text=name),
                "subject": self.subject(),
                "recordedDate": d["diagnosed_on"],
            },
            f"{d['id']}/predisposition/{syndrome['code']}",
            "diagnosis",
        )

    def chemo(self) -> None:
        for ch in self.record.get("chemo", ()):
            med = {"text": ch["drug_name"]}
            if ch["atc"]:
                med = concept(c.ATC, ch["atc"], ch["drug_name"], text=ch["drug_name"])
            period = {"start": ch["date"], **({"end": ch["end"]} if ch["end"] else {})}
            dosage = {
                "dose": quantity(ch["dose"], c.DOSE_UCUM[ch["dose_unit"]]),
                "text": f"{ch['dose']:g} {c.DOSE_UCUM[ch['dose_unit']]} x {ch['doses']}",
            }
            if ch["route"] in c.ROUTE_SNOMED:
                dosage["route"] = concept(c.SNOMED, *c.ROUTE_SNOMED[ch["route"]])
            else:
                dosage["route"] = {"text": ch["route"]}
            resource = {
                "resourceType": "MedicationAdministration",
                **_meta("MedicationAdministration"),
                "status": "completed",
                "medicationCodeableConcept": med,
                "subject": self.subject(),
                "effectivePeriod": period,
                **self.reason(),
                "dosage": dosage,
            }
            linked = {d["code"] for d in (self.record.get("exposures") or {}).get("per_drug", ())}
            if ch["drug_code"] in linked and ch["drug_class"] in ("anthracycline", "alkylator"):
                ref = urn("Observation", f"dose/drug/{ch['drug_code']}")
                resource["extension"] = [{"url": c.RELATED_INFO, "valueReference": {"reference": ref}}]
            self.add(resource, f"chemo/{ch['id']}", "chemotherapy")

    def procedures(self) -> None:
        for p in self.record.get("procedures", ()):
            performed = (
                {"performedPeriod": {"start": p["date"], "end": p["end"]}}
                if p.get("end")
                else {"performedDateTime": p["date"]}
            )
            resource = {"resourceType": "Procedure", "status": "completed", "subject": self.subject(), **performed}
            section = "procedures"
            if p["kind"] == "radiation":
                dose_ref = self.add(
                    {
                        "resourceType": "Observation",
                        "status": "final",
                        "category": [
                            concept("http://terminology.hl7.org/CodeSystem/observation-category", "procedure")
                        ],
                        "code": concept(c.SNOMED, c.SCT_TOTAL_RADIATION_DOSE, "Total radiation dose delivered"),
                        "subject": self.subject(),
                        "valueQuantity": quantity(p["gy"], "Gy"),
                    },
                    f"rt-dose/{p['id']}",
                )
                site = {"coding": [coding(c.PROJECT_CS, f"site-{p['site']}", p["site_label"])]}
                if p["site"] in c.RADIATION_SITE_SNOMED:
                    site["coding"].append(coding(c.SNOMED, *c.RADIATION_SITE_SNOMED[p["site"]]))
                resource.update(
                    {
                        **_meta("radiotherapy"),
                        "extension": [{"url": c.RELATED_INFO, "valueReference": {"reference": dose_ref}}],
                        "category": concept(c.SNOMED, c.SCT_RADIOTHERAPY, "Radiotherapy"),
                        "code": concept(c.SNOMED, "33195004", "External beam radiation therapy procedure"),
                        "bodySite": [site],
                        "note": [{"text": f"{p['gy']:g} Gy in {p['fractions']} fractions"}],
                    }
                )
                section = "radiotherapy"
            elif p["kind"] == "transplant":
                resource["code"] = concept(c.SNOMED, *c.SCT_TRANSPLANT, text=p.get("subtype_label") or None)
                if p.get("subtype"):
                    resource["category"] = concept(c.PROJECT_CS, f"hsct-{p['subtype']}", p["subtype_label"])
                section = "transplant"
            elif p["kind"] == "lumbar_puncture":
                resource["code"] = concept(c.SNOMED, *c.SCT_LUMBAR_PUNCTURE)
                if p.get("it_drugs"):
                    resource["usedCode"] = [
                        concept(c.ATC, atc, name) if atc else {"text": name} for name, atc in p["it_drugs"]
                    ]
            elif p["kind"] == "transfusion":
                red = p["product"] == "red_cells"
                resource["code"] = concept(
                    c.SNOMED,
                    *(
                        ("116863004", "Transfusion of red blood cells")
                        if red
                        else ("116859006", "Transfusion of blood product")
                    ),
                )
                resource["extension"] = [
                    {"url": f"{c.PROJECT}/StructureDefinition/transfusion-units", "valueInteger": p["units"]}
                ]
            elif p["kind"] == "central_line":
                resource["code"] = concept(c.SNOMED, *c.SCT_CENTRAL_LINE, text=p.get("subtype_label") or None)
            resource.update(self.reason())
            self.add(resource, f"proc/{p['id']}", section)

    def exposures(self) -> None:
        e = self.record.get("exposures")
        if not e:
            return
        if e.get("therapy_start") or e.get("therapy_end"):
            period = {k: v for k, v in (("start", e.get("therapy_start")), ("end", e.get("therapy_end"))) if v}
            self.add(
                {
                    "resourceType": "Procedure",
                    "status": "completed",
                    "category": concept(c.SNOMED, c.SCT_FIRST_LINE, "First line treatment"),
                    "subject": self.subject(),
                    "performedPeriod": period,
                    **self.reason(),
                },
                "flt",
                "chemotherapy",
            )

        def dose_obs(key, code, display, value):
            resource = {
                "resourceType": "Observation",
                **_meta("dose"),
                "status": "final",
                "code": concept(c.PROJECT_CS, code, display),
                "subject": self.subject(),
                "method": concept(c.SNOMED, c.SCT_CUMULATIVE_DOSE_METHOD, "Cumulative dose"),
                "valueQuantity": quantity(value, "mg/m2"),
            }
            return self.add(resource, key, "exposures")

        dose_obs("dose/dox-eq", "dox-eq", c.PROJECT_CODES["dox-eq"], e["dox_eq_mg_m2"])
        dose_obs("dose/ced", "ced", c.PROJECT_CODES["ced"], e["ced_mg_m2"])
        for drug in e.get("per_drug", ()):
            resource_key = f"dose/drug/{drug['code']}"
            ref = dose_obs(resource_key, "cumulative-dose", c.PROJECT_CODES["cumulative-dose"], drug["mg_m2"])
            resource = self.entries[-1]["resource"]
            if drug["atc"]:
                resource["code"]["coding"].append(coding(c.ATC, drug["atc"], drug["name"]))
            resource["code"]["text"] = f"Cumulative dose of {drug['name']}"
            drug["observation"] = ref

    def care_plan(self) -> None:
        plan = self.record.get("care_plan")
        if not plan:
            return
        activities = []
        for item in plan["items"]:
            codings = [coding(c.RECOMMENDATION_CS, str(code)) for code in item["pcsp_codes"]]
            codings += [coding(c.PROJECT_RULE_CS, rule) for rule in item["rule_ids"]]
            detail = {
                "kind": "ServiceRequest",
                "code": {"coding": codings, "text": item["what"]},
                "status": {"open": "scheduled", "done": "completed", "declined": "cancelled"}.get(
                    item["status"], "stopped"
                ),
                "scheduledString": f"due {item['due_on']}",
                "description": item["why"][:1000] if item.get("why") else item["what"],
            }
            activities.append({"detail": detail})
        resource = {
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "title": "Long-term follow-up plan",
            "subject": self.subject(),
            "created": plan["created"],
            "activity": activities,
        }
        if self.condition_ref:
            resource["addresses"] = [{"reference": self.condition_ref}]
        self.add(resource, f"careplan/{plan['id']}", "careplan")


SECTIONS = (
    ("careplan", "Care Plan", c.LOINC, "18776-5"),
    ("diagnosis", "Diagnosis", c.LOINC, "72135-7"),
    ("chemotherapy", "Chemotherapy", c.LOINC, "11486-8"),
    ("exposures", "Cumulative doses", c.PROJECT_CS, "dox-eq"),
    ("radiotherapy", "Radiation Therapy Episode", c.GENERIC_CS, "section-rt"),
    ("transplant", "Stem cell transplantation", c.SNOMED, "234336002"),
    ("procedures", "Procedures", c.LOINC, "47519-4"),
    ("results", "Results", c.LOINC, "30954-2"),
)


def build_bundle(record: dict) -> dict:
    """The document Bundle of one child's record: Composition first, as the passport's index."""
    b = _Builder(record)
    b.patient()
    b.condition()
    b.chemo()
    b.exposures()
    b.procedures()
    b.mrd()
    b.labs()
    b.care_plan()
    composition = {
        "resourceType": "Composition",
        "status": "final",
        "type": concept(c.GENERIC_CS, "surpass", "Survivorship Passport"),
        "subject": b.subject(),
        "date": record["generated_at"],
        "author": [{"display": record.get("author") or "ALL care portal"}],
        "title": "Childhood Cancer Survivor Passport",
        "section": [
            {
                "title": title,
                "code": concept(system, code),
                "entry": [{"reference": ref} for ref in b.sections[key]],
            }
            for key, title, system, code in SECTIONS
            if b.sections.get(key)
        ],
    }
    if record.get("family"):
        composition["confidentiality"] = "N"
    comp_url = urn("Composition", record["patient"]["id"])
    return {
        "resourceType": "Bundle",
        "identifier": {"system": f"{c.PROJECT}/sid/passport", "value": comp_url.removeprefix("urn:uuid:")},
        "type": "document",
        "timestamp": record["generated_at"],
        "entry": [{"fullUrl": comp_url, "resource": composition}, *b.entries],
    }
