"""People: weighted names by sex and birth cohort, nations, education, home places and
mobile prefixes.

Plain data and small pure helpers that take a `random.Random`; no Flask, no database.
"""

from __future__ import annotations

import random

MOBILE_PREFIXES = (
    "138",
    "139",
    "135",
    "137",
    "150",
    "151",
    "158",
    "186",
    "185",
    "177",
    "176",
    "188",
    "189",
    "133",
    "153",
    "180",
    "181",
    "199",
    "191",
    "166",
    "155",
    "132",
)


def _pairs(spec: str) -> tuple[tuple[str, int], ...]:
    """Parse "王:80 李:70 ..." into (value, weight) pairs."""
    return tuple((value, int(weight)) for value, weight in (p.split(":") for p in spec.split()))


# Common surnames, weighted roughly as in Henan (王, 李, 张, 刘 lead by far).
SURNAMES = _pairs(
    "王:80 李:70 张:70 刘:55 陈:30 杨:28 赵:26 黄:12 周:18 "
    "吴:12 徐:14 孙:18 胡:14 朱:14 高:18 郭:20 马:18 何:8 "
    "林:5 罗:6 宋:14 郑:10 梁:10 谢:6 韩:12 唐:6 冯:10 于:8 "
    "董:10 程:10 曹:10 袁:8 邓:6 许:10 傅:4 沈:5 彭:5 吕:8 "
    "苏:6 卢:6 蒋:5 蔡:6 贾:8 丁:6 魏:8 薛:6 叶:4 阎:6 余:4 "
    "潘:4 杜:8 夏:4 田:8 任:8 姜:5 范:6 方:4 石:6 姚:6 谭:3 "
    "邹:3 金:4 郝:6 孔:4 白:6 崔:6 康:4 秦:5 史:5 侯:6 邵:4 "
    "孟:6 段:4 常:6 武:6 乔:5 贺:4 牛:6 申:4 翟:4 岳:4 闫:5 "
    "付:5 齐:3"
)

# Given names by birth cohort and sex, weighted: one- and two-character names.
GIVEN_NAMES: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("old", "M"): _pairs(
        "建国:5 建军:5 建华:4 国庆:4 国强:5 国平:3 卫东:3 卫国:3 志刚:4 "
        "志强:4 振华:3 向东:2 爱国:3 保国:3 新民:3 铁军:2 金生:2 根生:2 "
        "天明:2 永刚:3 德胜:2 海军:3 春生:2 立新:3 长海:2 红卫:2 明:2 "
        "军:3 强:3 勇:2 平:2 建设:3 留柱:2 拴柱:1 书成:2 胜利:2 自力:1"
    ),
    ("mid", "M"): _pairs(
        "伟:5 强:4 磊:5 军:3 勇:3 杰:3 涛:4 斌:3 超:4 明:2 刚:3 "
        "辉:4 鹏:4 飞:3 鑫:2 波:2 亮:3 峰:3 海涛:3 俊杰:2 晓东:3 "
        "志伟:3 建伟:3 永强:3 海峰:2 小龙:2 红伟:2 振宇:2 国栋:2 红亮:2 "
        "卫华:2 东升:2 利军:2 朝阳:2 文斌:2 帅:2 小伟:2 亚飞:2 晓峰:2"
    ),
    ("young", "M"): _pairs(
        "浩:3 宇:3 子豪:2 浩然:3 一鸣:2 博文:2 宇航:2 俊豪:2 家豪:2 "
        "嘉诚:2 天宇:3 明轩:2 昊:2 鹏飞:2 世豪:2 硕:2 文杰:2 梦龙:1 "
        "晨阳:2 佳乐:1 泽宇:2 一帆:2"
    ),
    ("old", "F"): _pairs(
        "秀英:5 桂兰:5 秀兰:4 玉兰:4 桂英:4 凤英:3 秀珍:3 玉梅:3 淑珍:2 "
        "素珍:3 爱华:2 红霞:3 桂芝:3 玉霞:3 金凤:3 春梅:3 秀云:3 丽华:3 "
        "美兰:2 翠英:2 爱琴:2 玉芳:2 凤琴:2 荣:1 萍:2 霞:2 巧云:2 "
        "爱玲:2 改云:2 粉英:1"
    ),
    ("mid", "F"): _pairs(
        "丽:4 静:4 敏:3 燕:4 艳:4 娟:4 霞:3 芳:4 红:3 玲:3 莉:2 "
        "丽娟:3 晓燕:3 海燕:3 艳红:3 春燕:2 雪梅:2 利霞:2 彩霞:2 小红:2 "
        "丽萍:2 亚楠:2 晓丽:2 慧:2 倩:2 英:2 双双:1 瑞霞:2 俊霞:2 "
        "红梅:2 素芳:2"
    ),
    ("young", "F"): _pairs(
        "婷:3 雪:3 欣:2 佳怡:3 雨欣:3 梦瑶:2 思雨:2 欣怡:3 子涵:2 "
        "梓萱:2 诗涵:2 佳琪:2 晨曦:2 一诺:1 梦洁:2 怡然:1 可欣:2 文静:2 "
        "慧敏:2 晓彤:2 若曦:1"
    ),
}

NATIONS = _pairs("汉:960 回:30 满:5 蒙古:3 壮:2")

EDUCATION_BY_AGE: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = (
    # (upper age, weights) in ascending age order; 大专 only from 20
    (19, (("初中", 55), ("高中", 20), ("中专", 25))),
    (24, (("初中", 30), ("高中", 25), ("中专", 25), ("大专", 20))),
    (39, (("小学", 5), ("初中", 40), ("高中", 25), ("中专", 18), ("大专", 12))),
    (54, (("小学", 20), ("初中", 55), ("高中", 17), ("中专", 6), ("大专", 2))),
    (200, (("小学", 45), ("初中", 45), ("高中", 9), ("中专", 1))),
)

# Home places of workers whose 户籍 is outside the two demo cities (real county codes).
OUTSIDE_HUKOU: tuple[tuple[str, str, int], ...] = (
    # (code, name, weight); other Henan cities first: the main labour-exporting counties.
    ("411621", "河南省周口市扶沟县", 8),
    ("411627", "河南省周口市太康县", 8),
    ("411628", "河南省周口市鹿邑县", 6),
    ("411424", "河南省商丘市柘城县", 6),
    ("411422", "河南省商丘市睢县", 5),
    ("411722", "河南省驻马店市上蔡县", 7),
    ("411724", "河南省驻马店市正阳县", 5),
    ("411527", "河南省信阳市淮滨县", 5),
    ("411324", "河南省南阳市镇平县", 5),
    ("410527", "河南省安阳市内黄县", 4),
    ("410928", "河南省濮阳市濮阳县", 4),
    ("411025", "河南省许昌市襄城县", 3),
    ("341222", "安徽省阜阳市太和县", 5),
    ("341621", "安徽省亳州市涡阳县", 4),
    ("340321", "安徽省蚌埠市怀远县", 2),
    ("371722", "山东省菏泽市单县", 3),
    ("371721", "山东省菏泽市曹县", 3),
    ("420921", "湖北省孝感市孝昌县", 2),
    ("421127", "湖北省黄冈市黄梅县", 2),
    ("130434", "河北省邯郸市魏县", 2),
    ("140522", "山西省晋城市阳城县", 1),
    ("610526", "陕西省渭南市蒲城县", 1),
    ("511621", "四川省广安市岳池县", 1),
    ("362124", "江西省赣州市信丰县", 1),
)


def weighted(rng: random.Random, pairs) -> str:
    """Pick one value from (value, weight) pairs."""
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def cohort(birth_year: int) -> str:
    """The naming cohort of a birth year."""
    if birth_year < 1976:
        return "old"
    if birth_year < 1993:
        return "mid"
    return "young"


def person_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """A realistic Chinese full name for the sex and birth cohort."""
    return weighted(rng, SURNAMES) + weighted(rng, GIVEN_NAMES[cohort(birth_year), sex])


def education(rng: random.Random, age: int) -> str:
    """文化程度, weighted by age as in real gig markets."""
    for upper, pairs in EDUCATION_BY_AGE:
        if age <= upper:
            return weighted(rng, pairs)
    raise AssertionError("unreachable")  # pragma: no cover
