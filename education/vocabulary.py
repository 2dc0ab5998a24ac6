"""Plain-language labels for the care-moment keys (patients/care_keys.py), for editors and families."""

from django.utils.translation import gettext_lazy as _

from patients.care_keys import ALL_KEYS

KEY_LABELS = {
    "induction": _("Induction"),
    "consolidation": _("Consolidation"),
    "interim_maintenance": _("Interim maintenance"),
    "delayed_intensification": _("Delayed intensification"),
    "maintenance": _("Maintenance"),
    "risk_low": _("Low risk group"),
    "risk_standard": _("Standard risk group"),
    "risk_high": _("High risk group"),
    "risk_very_high": _("Very high risk group"),
    "lumbar_puncture": _("Lumbar puncture"),
    "bone_marrow": _("Bone marrow test"),
    "central_line": _("Central line"),
    "transfusion": _("Blood transfusion"),
    "radiation": _("Radiation"),
    "transplant": _("Stem cell transplant"),
    "diagnosis": _("Diagnosis"),
    "end_of_therapy": _("End of treatment"),
    "survivorship": _("Survivorship"),
    "relapse": _("Relapse"),
    "cardiac_echo": _("Heart ultrasound (echo)"),
    "cardiac_ecg": _("Heart tracing (ECG)"),
    "cardiac_history": _("Heart check-up"),
    "osteonecrosis_history": _("Bone and joint check"),
    "bone_density_dxa": _("Bone density scan"),
    "neurocognitive": _("Learning and school check"),
    "peripheral_neuropathy": _("Nerve check"),
    "liver_function": _("Liver blood tests"),
    "iron_overload_ferritin": _("Iron level test"),
    "male_fertility": _("Fertility (boys and men)"),
    "female_ovarian": _("Puberty and fertility (girls and women)"),
    "urinary_tract": _("Bladder check"),
    "cataract": _("Eye check"),
    "cns_tumour": _("Brain check after radiation"),
    "growth_endocrine": _("Growth and hormone check"),
    "hepatitis_screen": _("Hepatitis test"),
    "genetic_counselling": _("Genetic counselling"),
    "survivorship_visit": _("Yearly survivorship visit"),
}
assert set(KEY_LABELS) == set(ALL_KEYS), "every care-moment key needs a label"


def label(key: str) -> str:
    return str(KEY_LABELS.get(key, key))


def tag_choices() -> list[tuple[str, str]]:
    return [(key, KEY_LABELS[key]) for key in ALL_KEYS]
