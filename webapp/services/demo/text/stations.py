"""The demo markets: the four stations, their two cities, and what a market shows.

Plain data and small pure helpers; no Flask, no database. Every name and address is made
up for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class StationSpec:
    """A demo station and where it sits in the hierarchy."""

    key: str  # user-name prefix
    city: str
    region: str
    county_node: str | None  # name of a county-level market above the station, if any
    name: str
    address: str
    lat: float
    lon: float
    opens: time
    closes: time
    hotline: str
    capacity: int
    kiosks: int


STATIONS = (
    StationSpec(
        "jinshui",
        "410100",
        "410105",
        "金水区零工市场",
        "金水区经三路街道零工服务站",
        "郑州市金水区经三路与纬五路交叉口东北角（经三路街道党群服务中心一楼）",
        34.7757,
        113.6842,
        time(6, 30),
        time(18, 0),
        "0371-60011230",
        120,
        2,
    ),
    StationSpec(
        "erqi",
        "410100",
        "410103",
        None,
        "二七区建中街零工驿站",
        "郑州市二七区建中街与大学路交叉口西南角（建中街街道便民服务中心东侧）",
        34.7365,
        113.6478,
        time(6, 0),
        time(17, 30),
        "0371-60022340",
        80,
        1,
    ),
    StationSpec(
        "luolong",
        "410300",
        "410311",
        "洛龙区零工市场",
        "洛龙区开元路街道零工服务站",
        "洛阳市洛龙区开元大道与王城大道交叉口东南角（开元路街道社区服务中心一楼）",
        34.6197,
        112.4491,
        time(6, 30),
        time(18, 0),
        "0379-60033450",
        150,
        2,
    ),
    StationSpec(
        "xigong",
        "410300",
        "410303",
        None,
        "西工区零工服务站",
        "洛阳市西工区中州中路与唐宫中路交叉口北50米（西工区人力资源市场一楼）",
        34.6712,
        112.4380,
        time(7, 0),
        time(17, 30),
        "0379-60044560",
        100,
        1,
    ),
)
CITIES = {
    "410100": (
        "zhengzhou",
        "郑州市零工市场",
        "郑州市中原区建设西路与秦岭路交叉口东南角",
        34.7483,
        113.6130,
        "0371-60000100",
    ),
    "410300": (
        "luoyang",
        "洛阳市零工市场",
        "洛阳市洛龙区开元大道与长兴街交叉口西北角",
        34.6213,
        112.4540,
        "0379-60000100",
    ),
}

CITY_NAMES = {"410100": "郑州市", "410300": "洛阳市"}

# Where each station's employers sit (county codes).
STATION_COUNTY = {"jinshui": "410105", "erqi": "410103", "luolong": "410311", "xigong": "410303"}

STATION_SERVICES = "\n".join(
    (
        "岗位信息发布与审核",
        "求职登记与人证核验",
        "即时快招与现场对接",
        "零工派工与到岗跟踪",
        "灵活用工政策宣讲",
        "职业指导与技能培训报名",
        "就业困难人员分级帮扶",
        "劳动权益维护与欠薪投诉受理",
        "职业伤害保障与社保政策咨询",
    )
)

CITY_SERVICES = "\n".join(
    (
        "全市零工岗位信息归集与发布",
        "零工服务站业务指导与监督",
        "求人倍率与工资指导价位发布",
        "人力资源服务机构许可信息公示",
        "投诉举报受理与转办",
    )
)


def station_guide(opening: str) -> str:
    """A short 办事指南 for a station."""
    return "\n".join(
        (
            "求职：携带本人居民身份证，在自助终端刷证并人脸核验后签到，即可查看匹配岗位、"
            "现场报名并打印派工单；不便使用终端或不同意人脸核验的，可到服务窗口由工作人员协助登记。",
            "用工：扫描站内二维码或到窗口登记。企业提供营业执照和联系人身份证；个人雇主提供身份证"
            "并现场核验；人力资源服务机构另需提供人力资源服务许可证。岗位信息经审核后发布。",
            "到岗、完工、工资到账请在终端或手机上确认；工资未按约定结清的，可现场或拨打热线投诉。",
            "本站全部服务免费，不向求职者和用工方收取任何费用。",
            f"办理时间：{opening}。",
        )
    )


def complaint_channel(hotline: str) -> str:
    """The 投诉渠道 text of a market."""
    return "\n".join(
        (
            f"服务热线：{hotline}（开放时间内）",
            "全国人社服务热线：12333",
            "现场：服务站窗口或站长接待处，站内设投诉意见箱",
            "线上：扫描站内公示的投诉二维码提交，凭查询码查看办理进度",
        )
    )
