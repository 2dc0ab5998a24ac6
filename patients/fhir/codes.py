"""Code systems and the tables between our vocabulary and FHIR's (pure data, no Django).

ATC codes: WHO Collaborating Centre for Drug Statistics Methodology, ATC index. SNOMED CT and LOINC
codes are the ones the PanCareSurPass guide (hl7-eu/pcsp) uses; what no standard code covers is in the
project's own code system PROJECT_CS (documented in docs/fhir.md).
"""

from __future__ import annotations

PCSP = "http://hl7.eu/fhir/ig/pcsp"
# The canonical base of the project's own code systems, naming system and extensions: the
# deployment's settings.FHIR_CODE_SYSTEM_BASE (default SITE_URL + "/fhir"), set by configure() when
# the app loads (FhirConfig.ready). Readers use codes.PROJECT_CS etc. at call time, so they see it.
PROJECT = "http://127.0.0.1:8000/fhir"


def configure(base: str) -> None:
    """Point the project's canonical URLs at `base` (an absolute URL without a trailing slash)."""
    global PROJECT, PROJECT_CS, PROJECT_RULE_CS, PROJECT_MRN, RISK_GROUP_EXT
    PROJECT = base.rstrip("/")
    PROJECT_CS = f"{PROJECT}/CodeSystem/all-care"
    PROJECT_RULE_CS = f"{PROJECT}/CodeSystem/late-effects-rule"
    PROJECT_MRN = f"{PROJECT}/sid/mrn"
    RISK_GROUP_EXT = f"{PROJECT}/StructureDefinition/risk-group"


PROJECT_CS = f"{PROJECT}/CodeSystem/all-care"
PROJECT_RULE_CS = f"{PROJECT}/CodeSystem/late-effects-rule"
PROJECT_MRN = f"{PROJECT}/sid/mrn"

ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
RECOMMENDATION_CS = f"{PCSP}/CodeSystem/cs-recommendation-eu-pcsp"
RADIOTHERAPY_SITE_CS = f"{PCSP}/CodeSystem/cs-radiotherapy-pcsp"
GENERIC_CS = f"{PCSP}/CodeSystem/cs-generic-eu-pcsp"
RELATED_INFO = f"{PCSP}/StructureDefinition/resource-relatedInfo"
MORPHOLOGY_EXT = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
ASSERTED_DATE_EXT = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
RISK_GROUP_EXT = f"{PROJECT}/StructureDefinition/risk-group"

PROFILE = {
    "Patient": f"{PCSP}/StructureDefinition/Patient-eu-pcsp",
    "Condition": f"{PCSP}/StructureDefinition/Condition-primaryCancer-eu-pcsp",
    "dose": f"{PCSP}/StructureDefinition/Observation-cumulativeDoseChemo-eu-pcsp",
    "MedicationAdministration": f"{PCSP}/StructureDefinition/MedicationAdministration-eu-pcsp",
    "radiotherapy": f"{PCSP}/StructureDefinition/Procedure-radiotheraphy-eu-pcsp",
}

# Our Drug.code -> ATC (WHO ATC index). Loaded into Drug.atc_code by patients/0007.
DRUG_ATC = {
    "doxorubicin": "L01DB01",
    "daunorubicin": "L01DB02",
    "epirubicin": "L01DB03",
    "idarubicin": "L01DB06",
    "mitoxantrone": "L01DB07",
    "cyclophosphamide": "L01AA01",
    "ifosfamide": "L01AA06",
    "melphalan": "L01AA03",
    "busulfan": "L01AB01",
    "thiotepa": "L01AC01",
    "procarbazine": "L01XB01",
    "chlorambucil": "L01AA02",
    "carmustine": "L01AD01",
    "lomustine": "L01AD02",
    "mechlorethamine": "L01AA05",
    "methotrexate": "L01BA01",
    "cytarabine": "L01BC01",
    "mercaptopurine": "L01BB02",
    "thioguanine": "L01BB03",
    "nelarabine": "L01BB07",
    "clofarabine": "L01BB06",
    "fludarabine": "L01BB05",
    "vincristine": "L01CA02",
    "vinblastine": "L01CA01",
    "prednisone": "H02AB07",
    "prednisolone": "H02AB06",
    "dexamethasone": "H02AB02",
    "methylprednisolone": "H02AB04",
    "hydrocortisone": "H02AB09",
    "pegaspargase": "L01XX24",
    "asparaginase_erwinia": "L01XX02",
    "etoposide": "L01CB01",
    "imatinib": "L01EA01",
    "dasatinib": "L01EA02",
    "blinatumomab": "L01FX07",
    "inotuzumab": "L01FB01",
    "leucovorin": "V03AF03",
}
ATC_DRUG = {atc: code for code, atc in DRUG_ATC.items()}

# Route -> SNOMED CT route of administration.
ROUTE_SNOMED = {
    "iv": ("47625008", "Intravenous route"),
    "oral": ("26643006", "Oral route"),
    "intrathecal": ("72607000", "Intrathecal route"),
    "im": ("78421000", "Intramuscular route"),
    "sc": ("34206005", "Subcutaneous route"),
}
SNOMED_ROUTE = {code: route for route, (code, _) in ROUTE_SNOMED.items()}

# DoseUnit -> UCUM.
DOSE_UCUM = {
    "mg_m2": "mg/m2",
    "g_m2": "g/m2",
    "mg": "mg",
    "mg_kg": "mg/kg",
    "units_m2": "[iU]/m2",
    "units": "[iU]",
}
# UCUM (and the spellings real passports use) -> factor to mg/m², or None for international units.
CUMULATIVE_UNITS = {"mg/m2": 1.0, "mg/m²": 1.0, "g/m2": 1000.0, "g/m²": 1000.0, "[iU]/m2": None, "IU/m2": None}

# Radiation site -> (SNOMED body structure, display).
RADIATION_SITE_SNOMED = {
    "cranial": ("180924008", "Structure of cranial cavity"),
    "craniospinal": ("280108000", "Craniospinal axis"),
    "tbi": ("38266002", "Entire body as a whole"),
    "testicular": ("40689003", "Testis structure"),
    "chest": ("51185008", "Thoracic structure"),
    "mediastinum": ("72410000", "Mediastinal structure"),
    "whole_lung": ("39607008", "Lung structure"),
}
# PanCareSurPass radiotherapy site code (its first level) -> our site. 1 is Brain; the guide has no TBI
# chapter, TBI comes as our project code or SNOMED 38266002.
PCSP_SITE_CHAPTER = {"1": "cranial", "6": "chest"}

SNOMED = SNOMED
SCT_RADIOTHERAPY = "108290001"
SCT_TRANSPLANT = ("234336002", "Hemopoietic stem cell transplant")
SCT_LUMBAR_PUNCTURE = ("277762005", "Lumbar puncture")
SCT_CENTRAL_LINE = ("392230005", "Insertion of central venous catheter")
SCT_CUMULATIVE_DOSE_METHOD = "702873001"
SCT_TOTAL_RADIATION_DOSE = "445461008"
SCT_FIRST_LINE = "708255002"
SCT_SURGERY = "387713003"
TRANSPLANT_CODES = {"234336002", "425983008", "709115004", "58776007", "1269349006"}

LINEAGE_ICDO3 = {
    "B": ("9811/3", "B lymphoblastic leukaemia/lymphoma, NOS"),
    "T": ("9837/3", "T lymphoblastic leukaemia/lymphoma"),
    "mixed": ("9806/3", "Mixed phenotype acute leukaemia with t(9;22)(q34;q11.2); BCR-ABL1"),
}
ICDO3_LINEAGE = {
    "9811/3": "B",
    "9812/3": "B",
    "9813/3": "B",
    "9814/3": "B",
    "9815/3": "B",
    "9816/3": "B",
    "9817/3": "B",
    "9818/3": "B",
    "9835/3": "B",
    "9836/3": "B",
    "9837/3": "T",
    "9806/3": "mixed",
    "9807/3": "mixed",
    "9808/3": "mixed",
    "9809/3": "mixed",
}

LOINC_MRD = ("91008-6", "Minimal residual disease [Presence] in Bone marrow or Blood")
# Blood counts by our lab test name (lower case) -> (LOINC, display, UCUM).
LAB_LOINC = {
    "wbc": ("6690-2", "Leukocytes [#/volume] in Blood", "10*9/L"),
    "white cells": ("6690-2", "Leukocytes [#/volume] in Blood", "10*9/L"),
    "anc": ("751-8", "Neutrophils [#/volume] in Blood", "10*9/L"),
    "neutrophils": ("751-8", "Neutrophils [#/volume] in Blood", "10*9/L"),
    "hemoglobin": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    "haemoglobin": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    "platelets": ("777-3", "Platelets [#/volume] in Blood", "10*9/L"),
}
LOINC_WBC_DIAGNOSIS = ("6690-2", "Leukocytes [#/volume] in Blood")
# Project codes (PROJECT_CS) for what no standard code names.
PROJECT_CODES = {
    "dox-eq": "Cumulative doxorubicin-equivalent anthracycline dose",
    "ced": "Cumulative cyclophosphamide-equivalent dose (Green 2014)",
    "cumulative-dose": "Cumulative dose of one drug",
    "risk-group": "Treatment risk group",
    "mrd-timepoint": "MRD timepoint",
    "radiation-site": "Radiation site",
    "predisposition": "Inherited predisposition syndrome",
}
# An inherited predisposition syndrome: PREDISPOSITION_PREFIX + our PredispositionSyndrome.code.
PREDISPOSITION_PREFIX = "predisposition-"
