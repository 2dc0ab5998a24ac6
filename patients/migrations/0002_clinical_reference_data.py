"""Controlled vocabularies and versioned clinical data (hand-written; kept apart from the schema).

Sources: genetics classification per PDQ Childhood ALL Treatment (HP) and Blood 2007;109:926;
predisposition list per St. Jude's ALL page (Aug 2023); anthracycline doxorubicin-equivalence
factors per IGHG 2023 (Ehrhardt et al., Lancet Oncol 2023;24:e108); risk defaults per NCI/Rome and COG.
Admins edit all of it afterwards; re-running adds nothing twice (update_or_create on stable codes).
"""

from django.db import migrations

MARKERS = [
    ("ETV6_RUNX1", "ETV6::RUNX1", "favourable"),
    ("HIGH_HYPERDIPLOIDY", "High hyperdiploidy (>50 chromosomes; DNA index ≥1.16)", "favourable"),
    ("DOUBLE_TRISOMY_4_10", "Double trisomy 4 and 10", "favourable"),
    ("HYPODIPLOIDY", "Hypodiploidy (<44 chromosomes)", "unfavourable"),
    ("KMT2A_R", "KMT2A rearrangement", "unfavourable"),
    ("BCR_ABL1", "BCR::ABL1 (Philadelphia chromosome)", "unfavourable"),
    ("PH_LIKE", "Ph-like (BCR::ABL1-like)", "unfavourable"),
    ("IAMP21", "iAMP21", "unfavourable"),
    ("TCF3_PBX1", "TCF3::PBX1", "neutral"),
    ("TCF3_HLF", "TCF3::HLF", "unfavourable"),
]
MARKER_SOURCE = "PDQ Childhood ALL Treatment (HP), 2024; Blood 2007;109:926"

SYNDROMES = [
    ("down", "Down syndrome"),
    ("nf1", "Neurofibromatosis type 1"),
    ("bloom", "Bloom syndrome"),
    ("ataxia_telangiectasia", "Ataxia-telangiectasia"),
    ("li_fraumeni", "Li-Fraumeni syndrome"),
    ("fanconi", "Fanconi anemia"),
    ("cmmrd", "Constitutional mismatch repair deficiency"),
    ("diamond_blackfan", "Diamond-Blackfan anemia"),
    ("familial_pax5", "Familial PAX5 syndrome"),
    ("familial_etv6", "Familial ETV6 syndrome"),
    ("familial_sh2b3", "Familial SH2B3 syndrome"),
]

DRUGS = [
    ("doxorubicin", "Doxorubicin", "anthracycline"),
    ("daunorubicin", "Daunorubicin", "anthracycline"),
    ("epirubicin", "Epirubicin", "anthracycline"),
    ("idarubicin", "Idarubicin", "anthracycline"),
    ("mitoxantrone", "Mitoxantrone", "anthracycline"),
    ("cyclophosphamide", "Cyclophosphamide", "alkylator"),
    ("ifosfamide", "Ifosfamide", "alkylator"),
    ("melphalan", "Melphalan", "alkylator"),
    ("busulfan", "Busulfan", "alkylator"),
    ("thiotepa", "Thiotepa", "alkylator"),
    ("methotrexate", "Methotrexate", "antimetabolite"),
    ("cytarabine", "Cytarabine", "antimetabolite"),
    ("mercaptopurine", "6-Mercaptopurine", "antimetabolite"),
    ("thioguanine", "6-Thioguanine", "antimetabolite"),
    ("nelarabine", "Nelarabine", "antimetabolite"),
    ("clofarabine", "Clofarabine", "antimetabolite"),
    ("fludarabine", "Fludarabine", "antimetabolite"),
    ("vincristine", "Vincristine", "vinca"),
    ("vinblastine", "Vinblastine", "vinca"),
    ("prednisone", "Prednisone", "corticosteroid"),
    ("prednisolone", "Prednisolone", "corticosteroid"),
    ("dexamethasone", "Dexamethasone", "corticosteroid"),
    ("methylprednisolone", "Methylprednisolone", "corticosteroid"),
    ("hydrocortisone", "Hydrocortisone", "corticosteroid"),
    ("pegaspargase", "Pegaspargase", "asparaginase"),
    ("calaspargase", "Calaspargase pegol", "asparaginase"),
    ("asparaginase_erwinia", "Asparaginase Erwinia chrysanthemi", "asparaginase"),
    ("etoposide", "Etoposide", "other"),
    ("imatinib", "Imatinib", "other"),
    ("dasatinib", "Dasatinib", "other"),
    ("blinatumomab", "Blinatumomab", "other"),
    ("inotuzumab", "Inotuzumab ozogamicin", "other"),
    ("leucovorin", "Leucovorin (folinic acid rescue)", "other"),
]

IGHG_2023 = {"doxorubicin": "1", "daunorubicin": "0.6", "epirubicin": "0.8", "idarubicin": "5", "mitoxantrone": "10"}


def load(apps, schema_editor):
    GeneticMarker = apps.get_model("patients", "GeneticMarker")
    PredispositionSyndrome = apps.get_model("patients", "PredispositionSyndrome")
    Drug = apps.get_model("patients", "Drug")
    ExposureRuleSet = apps.get_model("patients", "ExposureRuleSet")
    AnthracyclineFactor = apps.get_model("patients", "AnthracyclineFactor")
    RiskSchemeConfig = apps.get_model("patients", "RiskSchemeConfig")
    for code, name, cls in MARKERS:
        GeneticMarker.objects.update_or_create(
            code=code, defaults={"name": name, "classification": cls, "source": MARKER_SOURCE}
        )
    for code, name in SYNDROMES:
        PredispositionSyndrome.objects.update_or_create(code=code, defaults={"name": name})
    drugs = {}
    for code, name, cls in DRUGS:
        drugs[code], _ = Drug.objects.update_or_create(code=code, defaults={"name": name, "drug_class": cls})
    rules, created = ExposureRuleSet.objects.get_or_create(
        version="IGHG-2023",
        defaults={
            "source": "IGHG cardiomyopathy surveillance, Ehrhardt MJ et al., Lancet Oncol 2023;24:e108-e120",
            "active": not ExposureRuleSet.objects.filter(active=True).exists(),
        },
    )
    for code, factor in IGHG_2023.items():
        AnthracyclineFactor.objects.get_or_create(rule_set=rules, drug=drugs[code], defaults={"factor": factor})
    if not RiskSchemeConfig.objects.exists():
        RiskSchemeConfig.objects.create(name="Default (COG AALL08B1)", scheme="cog_aall08b1", active=True)


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
