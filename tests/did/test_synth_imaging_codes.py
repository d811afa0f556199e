import polars as pl
import pytest

from did.imaging_codes import (
    CODE_COLUMNS,
    is_snomed_concept_id,
    starter_codes,
    starter_codes_path,
    verhoeff_valid,
)
from did.spec.derived import MODALITIES


@pytest.mark.parametrize(
    "number",
    ["2363", "234123412346", "138875005", "404684003", "900000000000207008",
     "999001111000000105"],
)  # fmt: skip
def test_verhoeff_accepts_known_good_numbers(number):
    assert verhoeff_valid(number)


@pytest.mark.parametrize("number", ["2364", "234123412345", "138875006", "", "12a4"])
def test_verhoeff_rejects_a_wrong_check_digit_or_non_digits(number):
    assert not verhoeff_valid(number)


def test_verhoeff_catches_every_single_digit_change_and_adjacent_swap():
    good = "399208008"
    for i in range(len(good)):
        for digit in "0123456789":
            if digit != good[i]:
                assert not verhoeff_valid(good[:i] + digit + good[i + 1 :])
    for i in range(len(good) - 1):
        swapped = good[:i] + good[i + 1] + good[i] + good[i + 2 :]
        if swapped != good:
            assert not verhoeff_valid(swapped)


def test_a_snomed_concept_id_needs_length_partition_and_check_digit():
    assert is_snomed_concept_id("399208008")
    assert is_snomed_concept_id(" 999001111000000105 ")
    assert not is_snomed_concept_id("12345")  # too short
    assert is_snomed_concept_id("12345009")
    assert not is_snomed_concept_id("12345013")  # valid check digit, but a description (01)
    assert not is_snomed_concept_id("399208009")  # check digit


def test_the_starter_reference_has_the_documented_header():
    header = starter_codes_path().read_text().splitlines()[0]
    assert header == ",".join(CODE_COLUMNS)


def test_every_starter_modality_is_in_the_publication_vocabulary():
    codes = starter_codes()
    assert codes["modality"].is_in(MODALITIES).all()
    assert codes["code_system"].is_in(["NICIP", "SNOMED-CT"]).all()
    assert codes.select("code_system", "code").is_unique().all()
    assert set(codes["modality"]) >= set(MODALITIES) - {"Unknown"}


def test_every_starter_snomed_code_is_a_valid_concept_id():
    codes = starter_codes()
    snomed = codes.filter(pl.col("code_system") == "SNOMED-CT")["code"].to_list()
    mapped = [m for m in codes["snomed_map"].to_list() if m]
    assert len(snomed) >= 15
    assert all(is_snomed_concept_id(c) for c in snomed + mapped)


def test_each_nicip_mapping_points_at_a_snomed_row_of_the_same_modality():
    codes = starter_codes()
    snomed = codes.filter(pl.col("code_system") == "SNOMED-CT")
    modality_of = dict(zip(snomed["code"], snomed["modality"], strict=True))
    mapped = codes.filter((pl.col("code_system") == "NICIP") & (pl.col("snomed_map") != ""))
    assert mapped.height >= 15
    for nicip, target, modality in mapped.select("code", "snomed_map", "modality").iter_rows():
        assert modality_of[target] == modality, nicip


def test_the_well_known_examples_map_as_published():
    codes = starter_codes().filter(pl.col("code_system") == "NICIP")
    mapping = dict(zip(codes["code"], codes["snomed_map"], strict=True))
    assert mapping["XCHES"] == "399208008"
    assert mapping["CHEAD"] == "408754009"
    assert mapping["UABDO"] == "45036003"
    assert mapping["MBRAI"] == "241601008"
    assert mapping["XWRIL"] == "60027007"
    assert codes["code"].str.len_chars().max() <= 6
