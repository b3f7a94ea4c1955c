"""Generate N realistic synthetic agency-years into a params/ folder.

Agencies of every level (ministries' departments, provinces, counties, towns), several consecutive
years each (so cross-year checks apply), narrative of realistic length, tables whose sums hold —
except about 5% that break one rule, and a few params files that are broken outright.

    python benchmarks/generate.py OUT_DIR --count 200 [--seed 1]
"""

from __future__ import annotations

import argparse
import copy
import random
from pathlib import Path
from typing import Any

import yaml

from nianbao.format import get_format
from nianbao.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "wltzq-hailiutu" / "2023.yaml"

PLACES = [
    "海淀",
    "朝阳",
    "浦东",
    "黄浦",
    "天河",
    "越秀",
    "武侯",
    "锦江",
    "江北",
    "鼓楼",
    "雁塔",
    "历下",
    "南山",
    "福田",
    "沭阳",
    "泗洪",
    "宿豫",
    "乌拉特中旗",
    "临河",
    "五原",
    "磴口",
    "杭锦后旗",
    "东胜",
    "昆都仑",
    "青山",
    "新城",
]
LEVELS = [
    ("区人民政府", "district"),
    ("县人民政府", "county"),
    ("镇人民政府", "town"),
    ("街道办事处", "subdistrict"),
    ("发展和改革局", "drc"),
    ("教育局", "edu"),
    ("财政局", "fin"),
    ("生态环境局", "eco"),
    ("市场监督管理局", "amr"),
]
SENTENCES = [
    "{year}年，{name}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "围绕中心工作，不断加大政府信息公开力度，提升政务公开质量和实效。",
    "全年通过政府门户网站、政务新媒体等渠道主动公开政府信息{n}条，其中政策文件{m}条，政策解读{k}篇。",
    "进一步规范依申请公开办理流程，严格落实登记、审核、办理、答复、归档等环节要求，确保依法依规按时答复。",
    "加强政府信息公开平台建设，优化栏目设置，及时更新内容，确保平台信息准确、完整、及时。",
    "健全政务公开工作机制，将政务公开纳入年度绩效考核，定期开展自查和培训，推动各项工作落到实处。",
    "主要问题是公开内容的深度和广度还需拓展，政策解读形式较为单一，基层工作人员业务能力有待提高。",
    "下一步，将进一步完善公开目录，丰富解读形式，加强业务培训，持续提升政务公开标准化规范化水平。",
]


def paragraph(rng: random.Random, name: str, year: int, sentences: int) -> str:
    picks = [rng.choice(SENTENCES) for _ in range(sentences)]
    return "".join(
        s.format(year=year, name=name, n=rng.randint(20, 900), m=rng.randint(1, 60), k=rng.randint(1, 30))
        for s in picks
    )


def consistent_tables(rng: random.Random, carried_in: list[int] | None, last_in_force: list[int] | None) -> dict:
    fmt = get_format()
    t3 = fmt.tables["t3"]
    parts = [r for r in t3.records if r.path[0] == "outcome" and r.path[-1] != "total"]
    width = len(t3.records[0].fields) - 1  # the last column is 总计
    rows: dict[str, list[int]] = {r.key: [0] * width for r in t3.records}
    scale = rng.choice([0, 0, 1, 3, 10, 40])
    for r in parts:
        if rng.random() < 0.35:
            rows[r.key] = [
                rng.randint(0, scale) if c in (0, width - 1) or rng.random() < 0.2 else 0 for c in range(width)
            ]
    outcome = [sum(rows[r.key][c] for r in parts) for c in range(width)]
    carried_over = [rng.randint(0, max(1, scale // 3)) if scale else 0 for _ in range(width)]
    carried_in = carried_in or [min(o, rng.randint(0, 2)) for o in outcome]
    # new + carried_in = outcome total + carried_over, with new >= 0
    carried_over = [max(co, ci - o) for co, ci, o in zip(carried_over, carried_in, outcome, strict=True)]
    new = [o + co - ci for o, co, ci in zip(outcome, carried_over, carried_in, strict=True)]
    rows["new"], rows["carried_in"], rows["carried_over"] = new, carried_in, carried_over
    rows["outcome.total"] = outcome
    t3_values = {key: [*vals, sum(vals)] for key, vals in rows.items()}
    tree: dict[str, Any] = {}
    for r in t3.records:
        node = tree
        for part in r.path[:-1]:
            node = node.setdefault(part, {})
        node[r.path[-1]] = t3_values[r.key]

    def group() -> list[int]:
        vals = [rng.choice([0, 0, 0, 1, 2]) for _ in range(4)]
        return [*vals, sum(vals)]

    issued = [rng.randint(0, 5), rng.randint(0, 5)]
    repealed = [rng.randint(0, 2), rng.randint(0, 3)]
    base = last_in_force or [rng.randint(0, 30), rng.randint(0, 120)]
    in_force = [max(0, b + i - r) for b, i, r in zip(base, issued, repealed, strict=True)]
    t2 = {
        "rules": [issued[0], repealed[0], in_force[0]],
        "normative_documents": [issued[1], repealed[1], in_force[1]],
        "licensing": rng.randint(0, 3000),
        "penalty": rng.randint(0, 500),
        "coercion": rng.randint(0, 40),
        "fees": round(rng.choice([0, 0, rng.uniform(0, 500)]), 4),
    }
    return {"t2": t2, "t3": tree, "t4": {"review": group(), "direct_suit": group(), "suit_after_review": group()}}


def break_one_rule(rng: random.Random, data: dict) -> str:
    kind = rng.choice(["T3-rowsum", "T3-colsum", "T3-balance", "T4-sum", "blank"])
    t3, t4 = data["tables"]["t3"], data["tables"]["t4"]
    if kind == "T3-rowsum":
        t3["new"][6] += 1
    elif kind == "T3-colsum":
        t3["outcome"]["disclosed"][0] += 1
        t3["outcome"]["disclosed"][6] += 1
    elif kind == "T3-balance":
        for key in ("new",):
            t3[key][0] += 2
            t3[key][6] += 2
    elif kind == "T4-sum":
        t4["review"][4] += 1
    else:
        t4["suit_after_review"][4] = None
    return kind


def generate(out: Path, count: int, seed: int = 1, broken_share: float = 0.05, invalid: int = 3) -> list[Path]:
    rng = random.Random(seed)
    base = load_params(SEED).to_params()
    written: list[Path] = []
    agency_no = 0
    while len(written) < count:
        place = rng.choice(PLACES)
        suffix, code = rng.choice(LEVELS)
        name = f"{place}{suffix}"
        agency_id = f"a{agency_no:04d}-{code}"
        agency_no += 1
        years = rng.randint(1, 3)
        first = rng.randint(2021, 2025 - years + 1)
        carried, in_force = None, None
        for year in range(first, first + years):
            if len(written) >= count:
                break
            data = copy.deepcopy(base)
            data.pop("source", None)
            data["agency"] = {"id": agency_id, "name": name}
            data["year"] = year
            data["title"] = f"{name}{year}年政府信息公开工作年度报告"
            data["issued"] = f"{year + 1}年1月{rng.randint(5, 30)}日"
            data["preface"] = [
                f"根据《中华人民共和国政府信息公开条例》规定，现公布{name}{year}年政府信息公开工作年度报告。"
                f"报告统计期限为{year}年1月1日至{year}年12月31日。" + paragraph(rng, name, year, 1)
            ]
            data["sections"] = {
                "overview": [
                    paragraph(rng, name, year, 3),
                    {"subhead": "（一）主动公开"},
                    paragraph(rng, name, year, 2),
                    {"subhead": "（二）依申请公开"},
                    paragraph(rng, name, year, 2),
                ],
                "problems": [paragraph(rng, name, year, 2), paragraph(rng, name, year, 2)],
                "other": [f"{name}{year}年度未收取信息处理费。"],
            }
            data["signature"] = name
            data["tables"] = consistent_tables(rng, carried, in_force)
            t3 = data["tables"]["t3"]
            carried = t3["carried_over"][:6]
            in_force = [data["tables"]["t2"]["rules"][2], data["tables"]["t2"]["normative_documents"][2]]
            if rng.random() < broken_share:
                break_one_rule(rng, data)
            path = out / "params" / agency_id / f"{year}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            written.append(path)
    # A few params files broken outright: a negative count, a missing table, broken YAML.
    for i, path in enumerate(rng.sample(written, min(invalid, len(written)))):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if i % 3 == 0:
            data["tables"]["t3"]["new"][0] = -1
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        elif i % 3 == 1:
            del data["tables"]["t4"]
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        else:
            path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [indent\n", encoding="utf-8")
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="project folder to write params/ into")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    paths = generate(args.out, args.count, args.seed)
    print(f"{len(paths)} agency-years under {args.out / 'params'}")


if __name__ == "__main__":
    main()
