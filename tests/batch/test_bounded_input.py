"""Reliability: every params input is bounded and a bad value names its file and cell (issue 15).

A count pasted from an ID, an infinite or not-a-number cell, a YAML alias bomb, a huge file or text,
control characters: each fails only its own file, fast, with a short message naming the file and the
cell — never a crash of the whole batch, never the whole value echoed back.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from nianbao.params import MAX_FILE_BYTES, MAX_TEXT_CHARS, ParamsError, dump_params, load_params
from support import SEED_PARAMS

CELL = "表三（收到和处理政府信息公开申请情况）「一、本年新收政府信息公开申请数量」行「自然人」列"


def seed_text() -> str:
    return SEED_PARAMS.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params" / "x-agency" / "2023.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("id: wltzq-hailiutu", "id: x-agency"), encoding="utf-8")
    return path


def with_first_count(value: str) -> str:
    text = seed_text()
    old = "    new: [0, 0, 0, 0, 0, 0, 0]"
    assert old in text
    return text.replace(old, f"    new: [{value}, 0, 0, 0, 0, 0, 0]", 1)


def problems_of(path: Path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path, name="params/x-agency/2023.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("9223372036854775808", "不超过 10^12"),  # 2^63: a pasted ID
        ("9223372036854775000", "不超过 10^12"),  # near 2^63: the row sum would wrap
        ("1000000000001", "不超过 10^12"),
        (".inf", ".inf（无穷大）"),
        ("-.inf", ".inf（无穷大）"),
        (".nan", ".nan（非数）"),
    ],
)
def test_a_bad_count_names_the_file_and_the_cell_and_the_bound(tmp_path: Path, value: str, said: str):
    message = problems_of(write(tmp_path, with_first_count(value)))
    assert message.startswith("params/x-agency/2023.yaml: 参数有误（1 处）")
    assert CELL in message and "tables.t3.new.natural_person" in message and said in message


def test_the_largest_allowed_count_is_read():
    # 10^12 itself is fine: the bound is said, not moved.
    text = with_first_count("1000000000000")
    params = load_params_text(text)
    assert params.tables.get_cell("t3", "new", "natural_person") == 10**12


def load_params_text(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return load_params(write(Path(tmp), text))


def test_a_yaml_alias_bomb_fails_fast_with_a_message(tmp_path: Path):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
    assert len(bomb) < 1024
    t0 = time.perf_counter()
    message = problems_of(write(tmp_path, bomb))
    assert time.perf_counter() - t0 < 5
    assert "不允许使用 YAML 锚点" in message and "第 1 行" in message


def test_a_file_larger_than_the_limit_is_refused_before_parsing(tmp_path: Path):
    path = write(tmp_path, seed_text() + "#" + "x" * MAX_FILE_BYTES + "\n")
    message = problems_of(path)
    assert "文件过大" in message and f"{MAX_FILE_BYTES:,}" in message


def test_a_huge_narrative_is_refused_with_the_field_and_the_bound_and_not_echoed(tmp_path: Path):
    data = yaml.safe_load(seed_text())
    data["agency"]["id"] = "x-agency"
    data["preface"] = ["很长" * MAX_TEXT_CHARS]
    path = write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    message = problems_of(path)
    assert "开头段落（preface[0]）" in message and f"每项最多 {MAX_TEXT_CHARS:,} 个字" in message
    assert len(message) < 500


def test_control_characters_in_text_are_refused_and_shown_escaped(tmp_path: Path):
    data = yaml.safe_load(seed_text())
    data["agency"]["id"] = "x-agency"
    data["signature"] = "乌拉特中旗\x1b[31m海流图镇"
    path = write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    message = problems_of(path)
    assert "\x1b" not in message
    assert "落款机关（signature）" in message and "控制字符 '\\x1b'" in message


def test_a_long_wrong_text_in_a_cell_is_quoted_short(tmp_path: Path):
    message = problems_of(write(tmp_path, with_first_count('"' + "九" * 10_000 + '"')))
    assert CELL in message and "共 10,000 个字" in message and len(message) < 600


def test_dumped_params_never_use_aliases_so_they_read_back(tmp_path: Path):
    params = load_params(SEED_PARAMS)
    text = dump_params(params)
    assert "&id" not in text and "*id" not in text
    assert load_params_text(text.replace("id: wltzq-hailiutu", "id: x-agency")).year == params.year
