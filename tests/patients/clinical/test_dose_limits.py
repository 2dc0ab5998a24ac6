"""Dose plausibility: a dose outside its drug's typical range is saved only with a confirmation and a
reason (recorded with the entry; the audit row says so without the reason); zero is never a dose.
The service decides; the form and the API show its field messages (400, never 500)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.clinical import services
from patients.exposures.dose_limits import DoseRange, check_dose
from patients.models import ChemoAdministration, DoseLimit, TimelineEntry
from portal.care.models import AuditEvent
from tests.patients.factories import add_chemo, drug

pytestmark = pytest.mark.django_db

TODAY = date.today()
REASON = "Protocol amendment agreed at tumour board"
COMMON_ALL_DRUGS = [
    "vincristine",
    "daunorubicin",
    "doxorubicin",
    "cyclophosphamide",
    "cytarabine",
    "methotrexate",
    "pegaspargase",
    "mercaptopurine",
    "thioguanine",
    "dexamethasone",
    "prednisone",
    "ifosfamide",
    "etoposide",
]


def save(user, patient, **detail):
    return services.save_entry(user, patient, {"occurred_on": TODAY}, detail, kind="chemo")


def test_every_common_all_drug_has_a_limit_with_a_source():
    for code in COMMON_ALL_DRUGS:
        limits = DoseLimit.objects.filter(drug__code=code, active=True)
        assert limits, code
        assert all(limit.source and limit.low < limit.high for limit in limits), code
    routes = set(DoseLimit.objects.filter(drug__code="methotrexate").values_list("route", flat=True))
    assert {"iv", "intrathecal"} <= routes  # high-dose IV and intrathecal judged separately


@pytest.mark.parametrize(
    ("code", "dose", "unit", "route", "within"),
    [
        ("vincristine", 1.5, "mg_m2", "iv", True),
        ("vincristine", 5000, "mg_m2", "iv", False),  # the case from issue 9
        ("methotrexate", 5, "g_m2", "iv", True),  # high-dose 5 g/m²
        ("methotrexate", 12, "mg", "intrathecal", True),
        ("methotrexate", 120, "mg", "intrathecal", False),  # a tenfold slip
        ("methotrexate", 20, "mg_m2", "oral", True),
        ("methotrexate", 2000, "mg_m2", "oral", False),
        ("pegaspargase", 2500, "units_m2", "im", True),
        ("pegaspargase", 25000, "units_m2", "im", False),
        ("mercaptopurine", 75, "mg_m2", "oral", True),
        ("dexamethasone", 60, "mg_m2", "oral", False),
    ],
)
def test_shipped_limits_in_and_out_of_range(clinician, patient, code, dose, unit, route, within):
    d = drug(code)
    ranges = services.dose_ranges(d)
    assert check_dose(ranges, drug_code=code, route=route, dose=dose, unit=unit).within is within


def test_conversion_to_the_limits_basis_and_the_vincristine_cap():
    ranges = [
        DoseRange("vincristine", "", "per_m2", "mg", 0.5, 2, "s", cap_mg=2),
        DoseRange("vincristine", "", "flat", "mg", 0.05, 2, "s"),
    ]
    # 1.5 mg/m² at BSA 1.2 m² is 1.8 mg: fine. At 1.6 m² it is 2.4 mg: above the 2 mg cap.
    assert check_dose(ranges, drug_code="vincristine", route="iv", dose=1.5, unit="mg_m2", bsa_m2=1.2).within
    over = check_dose(ranges, drug_code="vincristine", route="iv", dose=1.5, unit="mg_m2", bsa_m2=1.6)
    assert not over.within and over.over_cap and over.whole_mg == pytest.approx(2.4)
    # 0.05 mg/kg with no per-kg range: converted to mg/m² (0.05 × 20 kg / 0.8 m² = 1.25 mg/m²)
    only_m2 = [DoseRange("vincristine", "", "per_m2", "mg", 0.5, 2, "s")]
    kw = {"drug_code": "vincristine", "route": "iv", "unit": "mg_kg", "bsa_m2": 0.8, "weight_kg": 20}
    assert check_dose(only_m2, dose=0.05, **kw).within
    assert not check_dose(only_m2, dose=0.5, **kw).within  # 12.5 mg/m²
    # Nothing to compare with (units against mg ranges, or no BSA): not judged.
    assert check_dose(only_m2, drug_code="vincristine", route="iv", dose=1000, unit="units").within
    assert check_dose(only_m2, drug_code="vincristine", route="iv", dose=50, unit="mg").within


# --- the service -------------------------------------------------------------------------------------


def test_in_range_is_saved_without_confirmation(clinician, patient):
    entry = save(clinician, patient, drug="vincristine", dose="1.5")
    assert entry.chemo.dose_confirmed is False and entry.chemo.dose_confirmation_reason == ""


def test_out_of_range_is_refused_with_the_range_and_its_source(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        save(clinician, patient, drug="vincristine", dose="5000")
    (message,) = exc.value.message_dict["dose"]
    assert "5,000 mg/m² is outside the typical range for Vincristine: 0.5–2 mg/m² per dose" in message
    assert "tick the confirmation" in message
    assert not TimelineEntry.objects.exists()


def test_out_of_range_needs_a_reason_too(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        save(clinician, patient, drug="vincristine", dose="2.5", dose_confirmed=True, dose_confirmation_reason=" ")
    assert set(exc.value.message_dict) == {"dose_confirmation_reason"}
    assert not TimelineEntry.objects.exists()


def test_out_of_range_with_confirmation_and_reason_is_saved_and_recorded(clinician, patient):
    entry = save(
        clinician, patient, drug="vincristine", dose="2.5", dose_confirmed=True, dose_confirmation_reason=REASON
    )
    chemo = ChemoAdministration.objects.get(entry=entry)
    assert chemo.dose_confirmed is True and chemo.dose_confirmation_reason == REASON
    audit = AuditEvent.objects.filter(object_type="timelineentry", object_id=str(entry.pk)).latest("id")
    assert "dose_outside_range_confirmed" in audit.detail
    assert REASON not in audit.detail and "2.5" not in audit.detail  # no health details in the audit row


@pytest.mark.parametrize("dose", ["0", "-1"])
def test_zero_or_negative_is_refused_even_when_confirmed(clinician, patient, dose):
    with pytest.raises(ValidationError) as exc:
        save(clinician, patient, drug="doxorubicin", dose=dose, dose_confirmed=True, dose_confirmation_reason=REASON)
    assert "dose" in exc.value.message_dict
    assert not TimelineEntry.objects.exists()


def test_changing_a_confirmed_dose_needs_a_new_confirmation(clinician, patient):
    entry = save(
        clinician, patient, drug="vincristine", dose="2.5", dose_confirmed=True, dose_confirmation_reason=REASON
    )
    # Only the notes change: the confirmation stands.
    entry = services.save_entry(clinician, patient, {"notes": "tolerated"}, {}, entry=entry, expected_version=1)
    with pytest.raises(ValidationError) as exc:
        services.save_entry(clinician, patient, {}, {"dose": "25"}, entry=entry, expected_version=entry.version)
    assert "dose" in exc.value.message_dict
    assert ChemoAdministration.objects.get().dose == pytest.approx(2.5)
    # Back inside the range: the confirmation is dropped.
    entry = services.save_entry(clinician, patient, {}, {"dose": "1.5"}, entry=entry, expected_version=entry.version)
    chemo = ChemoAdministration.objects.get()
    assert chemo.dose_confirmed is False and chemo.dose_confirmation_reason == ""


# --- the form ----------------------------------------------------------------------------------------


def form_data(**change):
    data = {
        "occurred_on": TODAY.isoformat(),
        "drug": drug("vincristine").pk,
        "dose": "1.5",
        "dose_unit": "mg_m2",
        "doses": "1",
        "route": "iv",
        "visibility": "clinician",
    }
    data.update(change)
    return data


def test_form_refuses_out_of_range_then_accepts_it_confirmed(clinician_client, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "chemo"})
    response = clinician_client.post(url, form_data(dose="15"))
    assert response.status_code == 400
    assert "outside the typical range" in response.context["form"].errors["dose"][0]
    assert "dose_confirmed" in response.context["form"].fields  # the confirmation is offered on the form
    assert not TimelineEntry.objects.exists()
    response = clinician_client.post(url, form_data(dose="15", dose_confirmed="on", dose_confirmation_reason=REASON))
    assert response.status_code == 302
    assert ChemoAdministration.objects.get().dose_confirmation_reason == REASON


def test_form_refuses_zero_and_accepts_in_range(clinician_client, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "chemo"})
    response = clinician_client.post(url, form_data(dose="0"))
    assert response.status_code == 400 and response.context["form"].errors["dose"]
    assert clinician_client.post(url, form_data()).status_code == 302


def test_timeline_shows_the_confirmation_to_the_care_team(clinician_client, clinician, patient):
    save(clinician, patient, drug="vincristine", dose="2.5", dose_confirmed=True, dose_confirmation_reason=REASON)
    html = clinician_client.get(reverse("patients:timeline", kwargs={"patient_id": patient.pk})).content.decode()
    assert "dose outside the typical range, confirmed" in html and REASON in html


# --- the API -----------------------------------------------------------------------------------------


def payload(**detail):
    return {
        "kind": "chemo",
        "occurred_on": TODAY.isoformat(),
        "detail": {"drug": "vincristine", "dose": "1.5", "dose_unit": "mg_m2", "route": "iv", **detail},
    }


def test_api_out_of_range_is_400_then_201_when_confirmed(clinician_client, patient):
    url = reverse("api-timeline-list", kwargs={"patient_id": patient.pk})
    response = clinician_client.post(url, payload(dose="5000"), content_type="application/json")
    assert response.status_code == 400
    assert "outside the typical range" in response.json()["dose"][0]
    response = clinician_client.post(url, payload(dose="5000", dose_confirmed=True), content_type="application/json")
    assert response.status_code == 400 and "dose_confirmation_reason" in response.json()
    response = clinician_client.post(
        url, payload(dose="2.5", dose_confirmed=True, dose_confirmation_reason=REASON), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["detail"]["dose_confirmed"] is True
    assert response.json()["detail"]["dose_confirmation_reason"] == REASON


@pytest.mark.parametrize("dose", ["0", "-2", "lots"])
def test_api_zero_negative_or_garbage_is_400(clinician_client, patient, dose):
    url = reverse("api-timeline-list", kwargs={"patient_id": patient.pk})
    response = clinician_client.post(url, payload(dose=dose), content_type="application/json")
    assert response.status_code == 400 and "dose" in response.json()
    assert not TimelineEntry.objects.exists()


def test_api_in_range_is_201(clinician_client, patient):
    url = reverse("api-timeline-list", kwargs={"patient_id": patient.pk})
    assert clinician_client.post(url, payload(), content_type="application/json").status_code == 201


def test_api_patch_to_an_out_of_range_dose_is_400(clinician_client, clinician, patient):
    entry = add_chemo(clinician, patient, TODAY, "vincristine", 1.5)
    url = reverse("api-timeline-detail", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    response = clinician_client.patch(url, {"version": 1, "detail": {"dose": "50"}}, content_type="application/json")
    assert response.status_code == 400 and "dose" in response.json()
    assert ChemoAdministration.objects.get().dose == pytest.approx(1.5)


def _admin_chemo_form(entry, **data):
    """The chemotherapy form of the admin's timeline-entry page, as the admin builds it."""
    from django.contrib import admin as django_admin
    from django.forms.models import modelform_factory

    from patients.clinical.admin import DETAIL_INLINES

    inline = DETAIL_INLINES["chemo"](TimelineEntry, django_admin.site)
    form_class = modelform_factory(ChemoAdministration, form=inline.form, exclude=["entry"])
    fields = {"drug": drug("vincristine").pk, "dose": "1.5", "dose_unit": "mg_m2", "doses": "1", "route": "iv", **data}
    return form_class(data=fields, instance=ChemoAdministration(entry=entry))


def test_admin_refuses_an_out_of_range_dose_and_zero_like_the_form(clinician, patient):
    entry = TimelineEntry.objects.create(patient=patient, kind="chemo", occurred_on=TODAY, created_by=clinician)
    assert _admin_chemo_form(entry).is_valid()
    too_much = _admin_chemo_form(entry, dose="50")
    assert not too_much.is_valid() and "outside the typical range" in str(too_much.errors["dose"])
    assert "more than zero" in str(_admin_chemo_form(entry, dose="0").errors["dose"])
    confirmed = _admin_chemo_form(entry, dose="50", dose_confirmed="on", dose_confirmation_reason=REASON)
    assert confirmed.is_valid(), confirmed.errors
