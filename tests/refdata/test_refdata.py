"""The reference data files and their loader (webapp.refdata)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp import refdata

DADIAN_CODE = re.compile(r"\d-\d{2}-\d{2}-\d{2}")
GB2260_CODE = re.compile(r"\d{6}")
CLASSES = ("一类", "二类", "三类")


# -- integrity: trades ---------------------------------------------------------------------------


def test_there_are_about_forty_trades():
    assert 35 <= len(refdata.trades()) <= 50


def test_trade_codes_are_unique():
    codes = [t.code for t in refdata.trades()]
    assert [c for c, n in Counter(codes).items() if n > 1] == []


@pytest.mark.parametrize("trade", refdata.trades(), ids=lambda t: t.code)
def test_trade_code_is_a_dadian_code(trade):
    assert DADIAN_CODE.fullmatch(trade.code)


@pytest.mark.parametrize("trade", refdata.trades(), ids=lambda t: t.code)
def test_trade_industry_exists_and_division_belongs_to_section(trade):
    section = refdata.industry(trade.industry_section)
    division = refdata.industry(trade.industry_division)
    assert section.level == "section"
    assert division.level == "division"
    assert division.parent == section.code


@pytest.mark.parametrize("trade", refdata.trades(), ids=lambda t: t.code)
def test_trade_fields_are_filled(trade):
    assert trade.name
    assert trade.common_name
    assert trade.note
    assert re.fullmatch(r"[a-z][a-z0-9-]*", trade.icon)
    assert re.fullmatch(r"[a-z][a-z_]*", trade.group)
    assert trade.certificate is None or trade.certificate.strip() == trade.certificate != ""


def test_every_trade_group_has_at_least_two_trades():
    sizes = Counter(t.group for t in refdata.trades())
    assert {g: n for g, n in sizes.items() if n < 2} == {}
    assert set(refdata.trade_groups()) == set(sizes)


def test_trade_codes_not_confirmed_are_marked_in_the_note():
    # Residual ("其他…") codes are stand-ins: each must say so.
    for t in refdata.trades():
        if t.code.endswith("-99") or t.code.endswith("-00-00") or t.name.startswith("其他"):
            assert "nearest" in t.note
            assert "UNVERIFIED" in t.note


def test_trades_that_the_law_keeps_from_minors_are_flagged():
    # 特种作业 (架子工, 电工, 焊工), drivers, 叉车, heavy lifting and 保安员 (18+ by law).
    for code in (
        "6-29-01-05",
        "6-29-03-02",
        "6-31-01-03",
        "6-18-02-04",
        "4-02-02-02",
        "6-30-05-01",
        "4-02-05-01",
        "6-29-99-00",
        "4-07-05-01",
    ):
        assert refdata.trade(code).heavy_or_hazardous, code
    for code in ("4-10-01-06", "4-03-02-05", "4-01-02-03"):
        assert not refdata.trade(code).heavy_or_hazardous, code


def test_special_work_trades_name_their_certificate():
    assert "电工" in refdata.trade("6-29-03-02").certificate
    assert "焊接与热切割" in refdata.trade("6-18-02-04").certificate
    assert "叉车" in refdata.trade("6-30-05-01").certificate
    assert "驾驶证" in refdata.trade("4-02-02-02").certificate
    assert refdata.trade("4-03-02-01").certificate == "健康证"


def test_the_common_gig_trades_are_present():
    common_names = " ".join(t.common_name for t in refdata.trades())
    for word in (
        "小工",
        "瓦工",
        "钢筋工",
        "架子工",
        "木工",
        "油漆工",
        "防水工",
        "水电工",
        "电焊工",
        "装卸工",
        "保洁",
        "家政",
        "育婴员",
        "护工",
        "快递员",
        "外卖骑手",
        "分拣员",
        "货车司机",
        "叉车司机",
        "厨师",
        "服务员",
        "洗碗工",
        "普工",
        "缝纫工",
        "包装工",
        "质检员",
        "采摘工",
        "绿化工",
        "保安",
        "促销员",
        "理发师",
        "家电维修",
        "汽修工",
        "搬家工",
    ):
        assert word in common_names, word


# -- integrity: industries -----------------------------------------------------------------------


def test_sections_are_exactly_a_to_t():
    assert [s.code for s in refdata.sections()] == list("ABCDEFGHIJKLMNOPQRST")


@pytest.mark.parametrize("section", refdata.sections(), ids=lambda s: s.code)
def test_section_sector_follows_the_rule(section):
    expected = 1 if section.code == "A" else 2 if section.code in "BCDE" else 3
    assert section.sector == expected
    assert refdata.sector_of(section.code) == expected
    assert section.parent is None


def test_industry_codes_are_unique():
    codes = [i.code for i in refdata.industries()]
    assert [c for c, n in Counter(codes).items() if n > 1] == []


@pytest.mark.parametrize("division", refdata.divisions(), ids=lambda d: d.code)
def test_division_has_a_section_parent(division):
    assert re.fullmatch(r"\d{2}", division.code)
    assert refdata.industry(division.parent).level == "section"
    assert division.sector is None
    assert refdata.sector_of(division.code) == refdata.sector_of(division.parent)


def test_all_97_divisions_with_known_names():
    assert [d.code for d in refdata.divisions()] == [f"{n:02d}" for n in range(1, 98)]
    assert refdata.industry("47").name == "房屋建筑业"
    assert refdata.industry("47").parent == "E"
    assert refdata.industry("59").name == "装卸搬运和仓储业"
    assert refdata.industry("62").parent == "H"


def test_sector_of_divisions():
    assert refdata.sector_of("01") == 1
    assert refdata.sector_of("47") == 2
    assert refdata.sector_of("62") == 3


# -- integrity: skill levels, person categories, unit types ---------------------------------------


def test_skill_levels_are_zero_to_five():
    assert sorted(s.level for s in refdata.skill_levels()) == [0, 1, 2, 3, 4, 5]
    assert refdata.skill_level(5).name == "五级/初级工"
    assert refdata.skill_level(1).name == "一级/高级技师"
    assert refdata.skill_level(0).name == "无等级"
    assert all(s.short_name for s in refdata.skill_levels())


def test_person_categories():
    by_code = {p.code: p for p in refdata.person_categories()}
    assert len(by_code) == len(refdata.person_categories())
    assert {p.kind for p in by_code.values()} == {"category", "flag"}
    names = {p.name: p.kind for p in by_code.values()}
    for name in (
        "新成长失业青年",
        "就业转失业人员",
        "其他失业人员",
        "在业人员",
        "下岗职工",
        "退休人员",
        "在学人员",
        "本市农村人员",
        "外埠人员",
    ):
        assert names[name] == "category", name
    for name in (
        "就业困难人员",
        "残疾人",
        "脱贫人口",
        "退役军人",
        "零就业家庭成员",
        "应届高校毕业生",
    ):
        assert names[name] == "flag", name
    assert any(p.name.startswith("大龄") and p.kind == "flag" for p in by_code.values())


def test_unit_types_form_a_tree():
    by_code = {u.code: u for u in refdata.unit_types()}
    assert len(by_code) == len(refdata.unit_types())
    for u in by_code.values():
        assert u.parent is None or u.parent in by_code, u.code
    names = {u.name for u in by_code.values()}
    for name in (
        "国有企业",
        "集体企业",
        "股份合作企业",
        "联营企业",
        "有限责任公司",
        "股份有限公司",
        "私营企业",
        "其他企业",
        "港、澳、台商投资企业",
        "外商投资企业",
        "个体经营",
        "机关",
        "事业单位",
        "其他",
        "个人雇主",
    ):
        assert name in names, name
    assert refdata.unit_type("llc").parent == "domestic"
    assert refdata.unit_type("domestic").parent == "enterprise"


# -- integrity: regions and minimum wages ----------------------------------------------------------


def test_region_codes_are_unique_gb2260_codes():
    codes = [r.code for r in refdata.regions()]
    assert [c for c, n in Counter(codes).items() if n > 1] == []
    assert all(GB2260_CODE.fullmatch(c) for c in codes)


@pytest.mark.parametrize("reg", refdata.regions(), ids=lambda r: r.code)
def test_region_parent_exists_and_matches_the_code(reg):
    if reg.level == "province":
        assert reg.parent is None
        assert reg.code.endswith("0000")
        return
    parent = refdata.region(reg.parent)
    assert (reg.level, parent.level) in {("city", "province"), ("county", "city")}
    assert reg.code[:2] == parent.code[:2]
    if reg.level == "county":
        assert reg.code[:4] == parent.code[:4]
    else:
        assert reg.code.endswith("00")


@pytest.mark.parametrize(
    "reg", [r for r in refdata.regions() if r.level == "county"], ids=lambda r: r.code
)
def test_every_county_resolves_to_a_minimum_wage(reg):
    today = refdata.minimum_wage(reg.code)
    assert today.region_class in CLASSES
    assert today.monthly > 0
    assert today.hourly > 0
    assert refdata.province_of(reg.code).code == "410000"


def test_demo_regions_are_all_there():
    names = {r.code: r.name for r in refdata.regions()}
    expected = {
        "410000": "河南省",
        "410100": "郑州市",
        "410300": "洛阳市",
        "410102": "中原区",
        "410103": "二七区",
        "410104": "管城回族区",
        "410105": "金水区",
        "410108": "惠济区",
        "410122": "中牟县",
        "410302": "老城区",
        "410303": "西工区",
        "410305": "涧西区",
        "410311": "洛龙区",
        "410307": "偃师区",
        "410308": "孟津区",
    }
    assert {code: names.get(code) for code in expected} == expected
    assert len(refdata.children("410100")) == 12
    assert len(refdata.children("410300")) == 14


def test_region_classes_are_known_and_every_class_has_standards():
    used = {r.minimum_wage_class for r in refdata.regions() if r.minimum_wage_class}
    assert used <= set(CLASSES)
    on_file = Counter(w.region_class for w in refdata.minimum_wages())
    assert set(on_file) == set(CLASSES)
    assert len(set(on_file.values())) == 1  # every adjustment covers all three classes


def test_minimum_wages_are_ordered_by_class_and_date():
    by_date: dict[date, dict[str, refdata.MinimumWage]] = {}
    for w in refdata.minimum_wages():
        assert w.source
        assert w.hourly < w.monthly
        by_date.setdefault(w.effective_from, {})[w.region_class] = w
    for per_class in by_date.values():
        assert per_class["一类"].monthly > per_class["二类"].monthly > per_class["三类"].monthly
        assert per_class["一类"].hourly > per_class["二类"].hourly > per_class["三类"].hourly
    dates = sorted(by_date)
    for cls in CLASSES:
        monthly = [by_date[d][cls].monthly for d in dates]
        assert monthly == sorted(monthly)


# -- integrity: wage guides ------------------------------------------------------------------------


def test_every_trade_has_a_guide_in_both_demo_cities():
    keys = {(g.city_code, g.trade_code) for g in refdata.wage_guides()}
    for city in ("410100", "410300"):
        for t in refdata.trades():
            assert (city, t.code) in keys, (city, t.code)


@pytest.mark.parametrize(
    "guide", refdata.wage_guides(), ids=lambda g: f"{g.city_code}-{g.trade_code}-{g.unit}"
)
def test_wage_guide_row_is_sound(guide):
    refdata.trade(guide.trade_code)
    assert refdata.region(guide.city_code).level == "city"
    assert guide.unit in ("day", "hour")
    assert Decimal(0) < guide.low <= guide.median <= guide.high
    assert guide.source
    floor = refdata.minimum_wage(guide.city_code, date(guide.year, 12, 31))
    if guide.unit == "day":
        assert guide.median > floor.monthly / refdata.DAYS_PER_MONTH
    else:
        assert guide.median > floor.hourly


def test_wage_guide_rows_are_unique():
    keys = [(g.city_code, g.trade_code, g.unit, g.year) for g in refdata.wage_guides()]
    assert [k for k, n in Counter(keys).items() if n > 1] == []


# -- loader behaviour ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lookup", "code"),
    [
        (refdata.trade, "9-99-99-99"),
        (refdata.industry, "Z"),
        (refdata.industry, "98"),
        (refdata.region, "999999"),
        (refdata.children, "999999"),
        (refdata.province_of, "999999"),
        (refdata.skill_level, 6),
        (refdata.person_category, "nobody"),
        (refdata.unit_type, "nothing"),
        (refdata.sector_of, "Z"),
        (refdata.related_trades, "0-00-00-00"),
        (refdata.minimum_wage, "999999"),
    ],
)
def test_unknown_codes_raise_key_error_naming_the_code(lookup, code):
    with pytest.raises(KeyError) as caught:
        lookup(code)
    assert caught.value.args == (code,)


def test_wage_guide_unknown_trade_or_region_raises_key_error():
    with pytest.raises(KeyError, match="9-99-99-99"):
        refdata.wage_guide("410100", "9-99-99-99")
    with pytest.raises(KeyError, match="999999"):
        refdata.wage_guide("999999", "6-29-01-01")


def test_trade_lookup():
    t = refdata.trade("6-29-01-01")
    assert t.name == "砌筑工"
    assert t.industry_section == "E"
    assert t.industry_division == "47"
    assert t.heavy_or_hazardous is True
    assert refdata.trade("6-29-01-01") is t


@pytest.mark.parametrize("trade", refdata.trades(), ids=lambda t: t.code)
def test_related_trades_share_the_group_and_exclude_itself(trade):
    related = refdata.related_trades(trade.code)
    assert trade not in related
    assert trade.code not in {r.code for r in related}
    assert related
    assert all(r.group == trade.group for r in related)
    same_group = [t for t in refdata.trades() if t.group == trade.group]
    assert len(related) == len(same_group) - 1


def test_records_are_frozen_and_collections_are_tuples():
    t = refdata.trades()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.code = "x"  # type: ignore[misc]
    for collection in (
        refdata.trades(),
        refdata.industries(),
        refdata.regions(),
        refdata.minimum_wages(),
        refdata.wage_guides(),
        refdata.skill_levels(),
        refdata.person_categories(),
        refdata.unit_types(),
    ):
        assert isinstance(collection, tuple)
    assert refdata.trades() is refdata.trades()  # cached


def test_children_and_province_and_city():
    assert {r.code for r in refdata.children("410000")} == {"410100", "410300"}
    assert refdata.children("410102") == ()
    assert refdata.province_of("410102").name == "河南省"
    assert refdata.province_of("410000").code == "410000"
    assert refdata.city_of("410102").code == "410100"
    assert refdata.city_of("410300").code == "410300"
    assert refdata.city_of("410000") is None


def test_minimum_wage_for_each_standard_period():
    metro = "410105"  # 金水区, 一类
    assert refdata.minimum_wage(metro, date(2024, 1, 1)).monthly == Decimal("2100")
    assert refdata.minimum_wage(metro, date(2024, 1, 1)).hourly == Decimal("20.6")
    assert refdata.minimum_wage(metro, date(2023, 12, 31)).monthly == Decimal("2000")
    assert refdata.minimum_wage(metro, date(2021, 12, 31)).monthly == Decimal("1900")
    assert refdata.minimum_wage(metro, date(2018, 10, 1)).monthly == Decimal("1900")
    county = "410329"  # 伊川县, 二类
    assert refdata.minimum_wage(county, date(2024, 6, 1)).monthly == Decimal("2000")
    assert refdata.minimum_wage(county, date(2024, 6, 1)).hourly == Decimal("19.6")


def test_minimum_wage_defaults_to_today():
    today = refdata.minimum_wage("410105")
    assert today == refdata.minimum_wage("410105", date.today())
    assert today.effective_from <= date.today()


def test_minimum_wage_before_the_earliest_standard_raises():
    earliest = min(w.effective_from for w in refdata.minimum_wages())
    with pytest.raises(refdata.NoMinimumWageError):
        refdata.minimum_wage("410105", earliest - timedelta(days=1))
    assert issubclass(refdata.NoMinimumWageError, LookupError)


def test_county_without_a_class_walks_up_to_its_city():
    gongyi = refdata.region("410181")
    assert gongyi.minimum_wage_class is None
    assert refdata.minimum_wage_class("410181") == refdata.region("410100").minimum_wage_class
    assert refdata.minimum_wage("410181", date(2024, 6, 1)).monthly == Decimal("2100")


def test_province_has_no_minimum_wage_class():
    with pytest.raises(refdata.NoMinimumWageError):
        refdata.minimum_wage("410000", date(2024, 6, 1))


def test_daily_minimum_wage():
    assert refdata.minimum_wage("410105", date(2024, 6, 1)).daily == Decimal("96.55")


@given(
    st.dates(min_value=date(2018, 10, 1), max_value=date(2035, 12, 31)),
    st.sampled_from([r.code for r in refdata.regions() if r.level != "province"]),
)
def test_minimum_wage_is_the_latest_standard_in_force(on, code):
    found = refdata.minimum_wage(code, on)
    assert found.effective_from <= on
    assert found.region_class == refdata.minimum_wage_class(code)
    later = [
        w
        for w in refdata.minimum_wages()
        if w.region_class == found.region_class and found.effective_from < w.effective_from <= on
    ]
    assert later == []


def test_wage_guide_lookup():
    guide = refdata.wage_guide("410100", "6-29-01-01")
    assert guide is not None
    assert guide.unit == "day"
    assert isinstance(guide.median, Decimal)
    # A county resolves to its city.
    assert refdata.wage_guide("410105", "6-29-01-01") == guide
    # An hourly trade has no day row.
    assert refdata.wage_guide("410100", "4-09-07-01", unit="day") is None
    assert refdata.wage_guide("410100", "4-09-07-01").unit == "hour"
    # The province has no guide.
    assert refdata.wage_guide("410000", "6-29-01-01") is None
