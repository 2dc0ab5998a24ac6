"""Reference data for the cyclophosphamide-equivalent dose and for dose plausibility (hand-written).

CED factors: Green DM et al., "The cyclophosphamide equivalent dose as an approach for quantifying
alkylating agent exposure", Pediatr Blood Cancer 2014;61:53-67 (as listed in the domain brief §6).

Dose limits: the typical range of one administration, for the entry check (a dose outside it needs the
clinician's confirmation and reason; it is not refused outright). They are a plausibility screen built
for this portal from the doses of the COG / St. Jude / BFM ALL regimens (domain brief §3, §6; Teachey
et al., Blood 2020), wide enough for protocol variation (e.g. thiopurine reductions for TPMT/NUDT15
deficiency), narrow enough to catch a unit or decimal slip. They are not a dosing reference: a
centre's pharmacy should review them in the admin. Re-running adds nothing twice.
"""

from django.db import migrations

ALKYLATORS = [
    ("procarbazine", "Procarbazine"),
    ("chlorambucil", "Chlorambucil"),
    ("carmustine", "Carmustine (BCNU)"),
    ("lomustine", "Lomustine (CCNU)"),
    ("mechlorethamine", "Nitrogen mustard (mechlorethamine)"),
]

GREEN_2014 = {
    "cyclophosphamide": "1.0",
    "ifosfamide": "0.244",
    "procarbazine": "0.857",
    "chlorambucil": "14.286",
    "carmustine": "15.0",
    "lomustine": "16.0",
    "melphalan": "40",
    "thiotepa": "50",
    "mechlorethamine": "100",
    "busulfan": "8.823",
}
GREEN_2014_SOURCE = "Green DM et al., Pediatr Blood Cancer 2014;61:53-67 (cyclophosphamide equivalent dose)"

SCREEN = "portal plausibility screen from COG/St. Jude ALL regimens (Teachey, Blood 2020)"
# (drug, route or "" for any other route, basis, amount, low, high, cap in mg or None, source)
DOSE_LIMITS = [
    ("vincristine", "", "per_m2", "mg", "0.5", "2", "2", "1.5 mg/m² per dose, usually capped at 2 mg; " + SCREEN),
    ("vincristine", "", "per_kg", "mg", "0.02", "0.07", "2", "infants 0.05 mg/kg; " + SCREEN),
    ("vincristine", "", "flat", "mg", "0.05", "2", None, "usual cap 2 mg per dose; " + SCREEN),
    ("daunorubicin", "", "per_m2", "mg", "15", "60", None, "25 mg/m² per induction dose; " + SCREEN),
    ("daunorubicin", "", "per_kg", "mg", "0.5", "2", None, "infants dosed per kg; " + SCREEN),
    ("doxorubicin", "", "per_m2", "mg", "10", "75", None, "25 mg/m² per delayed-intensification dose; " + SCREEN),
    ("doxorubicin", "", "per_kg", "mg", "0.3", "2.5", None, "infants dosed per kg; " + SCREEN),
    ("cyclophosphamide", "", "per_m2", "mg", "200", "3000", None, "1,000 mg/m² per dose; " + SCREEN),
    ("cyclophosphamide", "", "per_kg", "mg", "5", "65", None, "infants and transplant conditioning; " + SCREEN),
    ("cytarabine", "", "per_m2", "mg", "25", "3000", None, "75 mg/m² standard, 1–3 g/m² high-dose; " + SCREEN),
    ("cytarabine", "intrathecal", "flat", "mg", "10", "75", None, "intrathecal, by age band; " + SCREEN),
    ("methotrexate", "iv", "per_m2", "mg", "50", "8000", None, "escalating 100+ mg/m², high-dose 1–5 g/m²; " + SCREEN),
    ("methotrexate", "intrathecal", "flat", "mg", "5", "15", None, "intrathecal 6–15 mg by age band; " + SCREEN),
    ("methotrexate", "", "per_m2", "mg", "5", "50", None, "oral/IM maintenance 20 mg/m² weekly; " + SCREEN),
    ("pegaspargase", "", "per_m2", "units", "500", "3500", None, "2,500 units/m² per dose; " + SCREEN),
    ("calaspargase", "", "per_m2", "units", "1000", "3000", None, "2,500 units/m² per dose; " + SCREEN),
    ("asparaginase_erwinia", "", "per_m2", "units", "5000", "30000", None, "25,000 units/m² per dose; " + SCREEN),
    ("asparaginase_erwinia", "", "per_m2", "mg", "10", "60", None, "recombinant 25–50 mg/m² per dose; " + SCREEN),
    ("mercaptopurine", "", "per_m2", "mg", "5", "100", None, "75 mg/m² daily, less in TPMT/NUDT15 deficiency; " + SCREEN),
    ("thioguanine", "", "per_m2", "mg", "5", "80", None, "60 mg/m² daily, less in TPMT/NUDT15 deficiency; " + SCREEN),
    ("dexamethasone", "", "per_m2", "mg", "1", "25", None, "6–10 mg/m² a day, often in two doses; " + SCREEN),
    ("prednisone", "", "per_m2", "mg", "5", "80", None, "40–60 mg/m² a day, often in two or three doses; " + SCREEN),
    ("ifosfamide", "", "per_m2", "mg", "500", "3000", None, "1.8–3 g/m² per day of a course; " + SCREEN),
    ("etoposide", "", "per_m2", "mg", "50", "300", None, "100–150 mg/m² per dose; " + SCREEN),
    ("etoposide", "", "per_kg", "mg", "1", "60", None, "up to 60 mg/kg in transplant conditioning; " + SCREEN),
]


def load(apps, schema_editor):
    Drug = apps.get_model("patients", "Drug")
    CedFormula = apps.get_model("patients", "CedFormula")
    CedFactor = apps.get_model("patients", "CedFactor")
    DoseLimit = apps.get_model("patients", "DoseLimit")
    for code, name in ALKYLATORS:
        Drug.objects.update_or_create(code=code, defaults={"name": name, "drug_class": "alkylator"})
    drugs = {d.code: d for d in Drug.objects.all()}
    formula, _ = CedFormula.objects.get_or_create(
        version="Green-2014",
        defaults={"source": GREEN_2014_SOURCE, "active": not CedFormula.objects.filter(active=True).exists()},
    )
    for code, factor in GREEN_2014.items():
        CedFactor.objects.get_or_create(formula=formula, drug=drugs[code], defaults={"factor": factor})
    for code, route, basis, amount, low, high, cap, source in DOSE_LIMITS:
        DoseLimit.objects.get_or_create(
            drug=drugs[code],
            route=route,
            basis=basis,
            amount=amount,
            defaults={"low": low, "high": high, "cap_mg": cap, "source": source},
        )


class Migration(migrations.Migration):
    dependencies = [("patients", "0005_ced_and_dose_limits")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
