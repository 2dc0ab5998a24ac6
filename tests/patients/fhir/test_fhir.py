"""FHIR passports: export validates strictly, the guide's examples and our ALL passports import, round trip."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.fhir import services
from patients.fhir.import_map import read_passport
from patients.fhir.models import PassportImport
from patients.fhir.validation import validate_strict
from patients.late_effects.models import FollowUpItem
from patients.models import ExposureRecord, ManualTreatmentSummary, Patient
from tests.factories import FamilyLinkFactory, PatientFactory
from tests.patients.factories import populate_record
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "fhir" / "pcsp" / "examples"
if not EXAMPLES.exists():
    EXAMPLES = Path("/work/shared/fhir/pcsp/examples")


def example(name):
    return json.loads((EXAMPLES / f"surpass-{name}.json").read_text())


@pytest.fixture
def ruleset():
    return load_default_ruleset()


def open_slots(patient):
    return set(FollowUpItem.objects.filter(patient=patient, status="open").values_list("slot", flat=True))


def exposures(patient):
    summary = ExposureRecord.objects.get(patient=patient).to_summary().as_dict()
    summary.pop("source")
    return summary


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("belgium", {"mapped": 22, "unmapped": 7, "tolerated": 30, "review": 3, "errors": 0}),
        ("germany", {"mapped": 11, "unmapped": 4, "tolerated": 12, "review": 1, "errors": 0}),
    ],
)
def test_example_passports_import_with_counts(ruleset, clinician, name, counts):
    row, created = services.import_bundle(clinician, example(name))
    assert created and row.counts == counts
    assert row.exposures_incomplete
    assert all(w["path"].startswith("Bundle.entry[") for w in row.warnings)
    again, created_again = services.import_bundle(clinician, example(name))
    assert not created_again and again.pk == row.pk  # the second import is detected
    assert services.comparison_for(row)["only_theirs"]  # their plan, beside ours


def test_belgium_doses(ruleset, clinician):
    row, _ = services.import_bundle(clinician, example("belgium"))
    manual = ManualTreatmentSummary.objects.get(patient=row.patient)
    assert float(manual.doxorubicin_mg_m2) == 270 and float(manual.ifosfamide_mg_m2) == 54000
    assert manual.other_alkylator and manual.vinca_alkaloid
    assert ExposureRecord.objects.get(patient=row.patient).anthracycline_dox_eq_mg_m2 == 270


def _passport(sex, born, drugs, radiation=(), transplant=False):
    entries = [
        {
            "fullUrl": "urn:uuid:p",
            "resource": {
                "resourceType": "Patient",
                "id": "p",
                "gender": sex,
                "birthDate": born,
                "name": [{"family": "Test", "given": [sex]}],
            },
        },
        {
            "fullUrl": "urn:uuid:c",
            "resource": {
                "resourceType": "Condition",
                "subject": {"reference": "urn:uuid:p"},
                "onsetDateTime": "2012-01-10",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                        "valueCodeableConcept": {
                            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "9811/3"}]
                        },
                    }
                ],
            },
        },
        {
            "resource": {
                "resourceType": "Procedure",
                "status": "completed",
                "subject": {"reference": "urn:uuid:p"},
                "category": {"coding": [{"system": "http://snomed.info/sct", "code": "708255002"}]},
                "performedPeriod": {"start": "2012-01-12", "end": "2014-06-01"},
            }
        },
    ]
    for n, (atc, dose) in enumerate(drugs):
        ma = {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "subject": {"reference": "urn:uuid:p"},
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": atc}]},
            "effectivePeriod": {"start": "2012-02-01", "end": "2013-01-01"},
        }
        if dose is not None:
            ma["extension"] = [
                {
                    "url": "http://hl7.eu/fhir/ig/pcsp/StructureDefinition/resource-relatedInfo",
                    "valueReference": {"reference": f"urn:uuid:d{n}"},
                }
            ]
            entries.append(
                {
                    "fullUrl": f"urn:uuid:d{n}",
                    "resource": {
                        "resourceType": "Observation",
                        "status": "final",
                        "subject": {"reference": "urn:uuid:p"},
                        "code": {"text": "cumulative dose"},
                        "valueQuantity": dose,
                    },
                }
            )
        entries.append({"resource": ma})
    for n, (site, gy) in enumerate(radiation):
        entries.append(
            {
                "fullUrl": f"urn:uuid:rd{n}",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "urn:uuid:p"},
                    "code": {"text": "dose"},
                    "valueQuantity": {"value": gy, "code": "Gy"},
                },
            }
        )
        entries.append(
            {
                "resource": {
                    "resourceType": "Procedure",
                    "status": "completed",
                    "subject": {"reference": "urn:uuid:p"},
                    "category": {"coding": [{"system": "http://snomed.info/sct", "code": "108290001"}]},
                    "performedPeriod": {"start": "2012-09-01", "end": "2012-09-20"},
                    "extension": [
                        {
                            "url": "http://hl7.eu/fhir/ig/pcsp/StructureDefinition/resource-relatedInfo",
                            "valueReference": {"reference": f"urn:uuid:rd{n}"},
                        }
                    ],
                    "bodySite": [
                        {
                            "coding": [
                                {"system": "http://hl7.eu/fhir/ig/pcsp/CodeSystem/cs-radiotherapy-pcsp", "code": site}
                            ]
                        }
                    ],
                }
            }
        )
    if transplant:
        entries.append(
            {
                "resource": {
                    "resourceType": "Procedure",
                    "status": "completed",
                    "subject": {"reference": "urn:uuid:p"},
                    "performedDateTime": "2013-03-01",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "234336002"}]},
                }
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}  # fmt: skip


MG = "mg/m2"


def test_standard_risk_girl(ruleset, clinician):
    bundle = _passport(
        "female",
        "2008-05-01",
        [
            ("L01DB02", {"value": 120, "code": MG}),
            ("L01CA02", None),
            ("H02AB02", None),
            ("L01XX24", None),
            ("L01BB02", None),
        ],
    )
    row, _ = services.import_bundle(clinician, bundle)
    assert row.counts["errors"] == 0 and not row.review
    e = exposures(row.patient)
    assert e["anthracycline_dox_eq_mg_m2"] == 72.0  # daunorubicin 120 x 0.6
    assert e["any_vinca_alkaloid"] and e["any_asparaginase"] and e["any_thiopurine"]
    assert e["therapy_end"] == date(2014, 6, 1)
    assert row.patient.diagnosis.lineage == "B"
    assert {"cardiac_history", "osteonecrosis_history", "peripheral_neuropathy"} <= open_slots(row.patient)


def test_high_risk_boy_with_cranial_radiation(ruleset, clinician):
    bundle = _passport(
        "male",
        "2004-03-01",
        [("L01DB01", {"value": 300, "code": MG}), ("L01AA01", {"value": 3, "code": "g/m2"})],
        radiation=[("1.1", 18)],
    )
    row, _ = services.import_bundle(clinician, bundle)
    e = exposures(row.patient)
    assert e["anthracycline_dox_eq_mg_m2"] == 300 and e["cyclophosphamide_mg_m2"] == 3000
    assert e["cranial_radiation_gy"] == 18 and e["cranial_radiation_age_years"] == 8.5
    slots = open_slots(row.patient)
    assert "neurocognitive" in slots and "cardiac_echo" in slots


def test_transplant(ruleset, clinician):
    bundle = _passport("male", "2006-01-01", [("L01AB01", {"value": 480, "code": MG})], transplant=True)
    row, _ = services.import_bundle(clinician, bundle)
    e = exposures(row.patient)
    assert e["hsct"] and e["ced_mg_m2"] > 0


def test_malformed_bundle_reports_every_error_and_saves_nothing(ruleset, clinician):
    bundle = _passport("female", "2008-05-01", [("L01DB01", {"value": 120}), ("L99ZZ99", None)])
    bundle["entry"][1]["resource"].pop("subject")  # missing subject
    bundle["entry"].append({"resource": {"resourceType": "MedicationAdministration", "status": "completed",
        "subject": {"reference": "urn:uuid:c"},  # a Condition where a Patient is needed
        "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01CA02"}]},
        "extension": [{"url": "http://hl7.eu/fhir/ig/pcsp/StructureDefinition/resource-relatedInfo",
                       "valueReference": {"reference": "Observation/nowhere"}}]}})  # fmt: skip
    before = (Patient.objects.count(), ManualTreatmentSummary.objects.count(), PassportImport.objects.count())
    with pytest.raises(services.PassportRefused) as exc:
        services.import_bundle(clinician, bundle)
    messages = " | ".join(p["message"] for p in exc.value.problems)
    assert "no subject" in messages
    assert "a dose without a unit" in messages
    assert "is a Condition, Patient expected" in messages
    assert "Observation/nowhere does not resolve" in messages
    assert "unknown drug ATC L99ZZ99" in " ".join(x.message for x in exc.value.plan.review)
    after = (Patient.objects.count(), ManualTreatmentSummary.objects.count(), PassportImport.objects.count())
    assert before == after


def test_no_patient_is_refused():
    plan = read_passport({"resourceType": "Bundle", "type": "collection", "entry": []})
    assert [e.message for e in plan.errors] == ["no Patient in the passport"]


def test_round_trip_same_exposures_and_plan(ruleset, clinician, patient):
    Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(2012, 1, 1))
    patient.refresh_from_db()
    populate_record(clinician, patient, date(2019, 1, 7))
    bundle = services.export_bundle(clinician, patient)
    validate_strict(bundle)
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    moved = copy.deepcopy(bundle)
    person = next(e["resource"] for e in moved["entry"] if e["resource"]["resourceType"] == "Patient")
    person["identifier"][0]["value"] = "MOVED-1"
    person["name"][0]["family"] = "Moved"
    row, created = services.import_bundle(clinician, moved)
    assert created and row.patient_id != patient.pk
    theirs, ours = exposures(row.patient), exposures(patient)
    assert theirs["predisposition_syndromes"] == ["down"]  # travels as its own Condition
    assert theirs == ours
    assert open_slots(row.patient) == open_slots(patient)


def test_predisposition_syndromes_are_exported_as_conditions_and_unknown_ones_noted(ruleset, clinician, patient):
    from patients.fhir import codes as c

    Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(2012, 1, 1))
    patient.refresh_from_db()
    populate_record(clinician, patient, date(2019, 1, 7))
    bundle = services.export_bundle(clinician, patient)
    conditions = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    syndrome = next(r for r in conditions if r["code"]["coding"][0]["code"].startswith("predisposition-"))
    assert syndrome["code"]["coding"][0] == {
        "system": c.PROJECT_CS,
        "code": "predisposition-down",
        "display": "Down syndrome",
    }
    assert syndrome["category"][0]["coding"][0]["code"] == "predisposition"
    assert len(conditions) == 2  # the leukaemia and the syndrome, each its own Condition
    diagnosis_section = next(s for s in bundle["entry"][0]["resource"]["section"] if s["title"] == "Diagnosis")
    assert len(diagnosis_section["entry"]) >= 2

    moved = copy.deepcopy(bundle)
    person = next(e["resource"] for e in moved["entry"] if e["resource"]["resourceType"] == "Patient")
    person["identifier"][0]["value"], person["name"][0]["family"] = "MOVED-2", "Moved"
    syndrome = next(
        e["resource"] for e in moved["entry"] if e["resource"].get("code", {}).get("text") == "Down syndrome"
    )
    syndrome["code"]["coding"][0]["code"] = "predisposition-unheard-of"
    row, _ = services.import_bundle(clinician, moved)
    assert not row.patient.diagnosis.predisposition_syndromes.exists()
    assert (
        "Predisposition syndromes not in our list: unheard-of"
        in ManualTreatmentSummary.objects.get(patient=row.patient).notes
    )


def test_export_query_count_does_not_grow(ruleset, clinician, patient):
    Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(2012, 1, 1))
    patient.refresh_from_db()
    populate_record(clinician, patient, date(2019, 1, 7))
    with CaptureQueriesContext(connection) as one:
        services.export_bundle(clinician, patient)
    populate_record(clinician, patient, date(2019, 1, 7), copies=3)
    with CaptureQueriesContext(connection) as more:
        services.export_bundle(clinician, patient)
    assert len(more) <= len(one)


def test_access(client, ruleset, clinician, patient, family_user, other_patient, outsider_clinician, make_family_user):
    from tests.conftest import signed_in_client

    url = f"/fhir/Patient/{patient.pk}/$everything"
    assert signed_in_client(clinician).get(url).status_code == 200
    family = signed_in_client(family_user).get(url)
    assert family.status_code == 200 and family.json()["resourceType"] == "Bundle"
    assert signed_in_client(outsider_clinician).get(url).status_code == 404
    assert signed_in_client(FamilyLinkFactory(patient=other_patient).user).get(url).status_code == 404
    body = json.dumps(example("germany"))
    assert (
        signed_in_client(family_user).post("/fhir/Bundle", body, content_type="application/fhir+json").status_code
        == 404
    )
    upload = f"/patients/{patient.pk}/passport-import/"
    assert signed_in_client(outsider_clinician).get(upload).status_code == 404
    assert (
        signed_in_client(clinician).post("/fhir/Bundle", body, content_type="application/fhir+json").status_code == 201
    )
    assert not PatientFactory._meta.model.objects.filter(pk=-1).exists()


def test_the_project_code_system_follows_the_canonical_base_setting(ruleset, clinician, patient, settings):
    from django.apps import apps

    from patients.fhir import codes as c

    original = c.PROJECT
    assert original == settings.FHIR_CODE_SYSTEM_BASE.rstrip("/")
    settings.FHIR_CODE_SYSTEM_BASE = "https://passports.hospital.test/fhir/"
    Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(2012, 1, 1))
    patient.refresh_from_db()
    try:
        apps.get_app_config("fhir").ready()
        populate_record(clinician, patient, date(2019, 1, 7))
        bundle = json.dumps(services.export_bundle(clinician, patient))
        assert "https://passports.hospital.test/fhir/CodeSystem/all-care" in bundle
        assert "https://passports.hospital.test/fhir/sid/mrn" in bundle
    finally:
        c.configure(original)


def test_admin_lists_imports_read_only_with_their_warnings(ruleset, clinician, site_admin):
    from django.utils.html import escape

    from tests.conftest import signed_in_client

    row, _ = services.import_bundle(clinician, example("germany"))
    assert row.warnings
    admin = signed_in_client(site_admin)
    listing = admin.get("/admin/fhir/passportimport/")
    assert listing.status_code == 200 and row.patient.mrn in listing.content.decode()
    page = admin.get(f"/admin/fhir/passportimport/{row.pk}/change/").content.decode()
    assert escape(row.warnings[0]["message"]) in page
    assert 'name="_save"' not in page  # read-only: nothing to save
    assert admin.get("/admin/fhir/passportimport/add/").status_code == 403
    assert admin.post(f"/admin/fhir/passportimport/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PassportImport.objects.filter(pk=row.pk).exists()
