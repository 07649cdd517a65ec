"""Two more places of the demo, on the national outlines: Zhengzhou (248 stations) and
Zhejiang (2,750 stations across its eleven cities).

The published figures (PRODUCT.md) give Zhengzhou 240+ stations and Zhejiang 2,700+.
Zhengzhou's are shared out by hand, most in the central districts; Zhejiang's by city,
roughly by urban population (Hangzhou 800, Ningbo 450, Wenzhou 350 ...), then among each
city's districts by :meth:`geo.demo.common.Profile.district_counts`. Roads and
commercial areas are real; the branches are invented.
"""

from __future__ import annotations

from typing import Final

from geo.demo.common import BANKS, COMMON_BRANDS, GAS, Profile, areas, words

# fmt: off
_ZHENGZHOU_COUNTS: Final = {
    "中原区": 32, "二七区": 32, "管城回族区": 24, "金水区": 52, "上街区": 6, "惠济区": 14,
    "中牟县": 20, "巩义市": 14, "荥阳市": 14, "新密市": 12, "新郑市": 18, "登封市": 10,
}
_ZHEJIANG_CITIES: Final = {
    "3301": 800, "3302": 450, "3303": 350, "3304": 170, "3305": 120, "3306": 210,
    "3307": 230, "3308": 80, "3309": 60, "3310": 190, "3311": 90,
}
_ZHEJIANG_PHONES: Final = {
    "3301": "0571", "3302": "0574", "3303": "0577", "3304": "0573", "3305": "0572",
    "3306": "0575", "3307": "0579", "3308": "0570", "3309": "0580", "3310": "0576",
    "3311": "0578",
}
# fmt: on
_ZHEJIANG_ROADS: Final = {
    city: words(roads)
    for city, roads in {
        "3301": "延安路 文三路 天目山路 莫干山路 文一西路 江南大道 解放路 凤起路 体育场路 秋涛路",
        "3302": "中山路 解放路 江东北路 百丈路 鄞州大道 天童路 环城北路",
        "3303": "人民路 车站大道 学院路 府东路 锦绣路 温州大道",
        "3304": "中山路 南湖路 禾兴路 由拳路 广益路",
        "3305": "红旗路 人民路 苕溪路 凤凰路",
        "3306": "解放路 中兴路 人民路 越西路 胜利路",
        "3307": "八一街 婺州街 李渔路 宾虹路 双龙路",
        "3308": "上街 荷花路 衢化路 三衢路",
        "3309": "解放路 新城大道 人民路 千岛路",
        "3310": "市府大道 中心大道 东海大道 开发大道",
        "3311": "中山街 丽阳街 括苍路 人民街",
    }.items()
}

ZHENGZHOU = Profile(
    key="zhengzhou",
    prefix="ZZ",
    area_adcode="410100",
    outlines="national",
    phone_areas={"4101": "0371"},
    kinds=(("户外劳动者驿站", 0.4), ("工会驿站", 0.35), ("暖心驿站", 0.25)),
    counts=_ZHENGZHOU_COUNTS,
    areas={
        "金水区": areas(
            ("花园路", 113.679, 34.781, "花园路 农业路 纬五路"),
            ("曼哈顿", 113.690, 34.775, "金水路 经三路 政七街"),
        ),
        "二七区": areas(("二七广场", 113.657, 34.753, "人民路 解放路 大同路 德化街")),
        "中原区": areas(("中原万达", 113.614, 34.773, "中原路 建设西路 桐柏路")),
        "管城回族区": areas(("紫荆山", 113.681, 34.752, "紫荆山路 城东路 商城路")),
    },
    roads={"4101": words("中原路 建设路 花园路 农业路 金水路 大学路 航海路 文化路 商都路")},
    car=(24, 150),
    moto=(36, 180),
    ev_stations=6,
    legal_aid_stations=1,
    brands=COMMON_BRANDS
    | {
        "银行网点": words(f"{BANKS} 郑州银行{{}}支行 中原银行{{}}支行"),
        "连锁便利店": words("丹尼斯便利{}店 悦来悦喜{}店 罗森{}店"),
        "房产中介门店": words("链家{}店 贝壳找房{}店"),
        "加油站": words(GAS),
        "商场": words("{}丹尼斯百货 {}正弘城 {}万达广场"),
    },
)

ZHEJIANG = Profile(
    key="zhejiang",
    prefix="ZJ",
    area_adcode="330000",
    outlines="national",
    phone_areas=_ZHEJIANG_PHONES,
    kinds=(("暖心驿站", 0.5), ("工会驿站", 0.3), ("户外劳动者服务站", 0.2)),
    city_totals=_ZHEJIANG_CITIES,
    areas={
        "上城区": areas(("湖滨", 120.165, 30.256, "延安路 平海路 湖滨路")),
        "拱墅区": areas(("武林广场", 120.164, 30.275, "体育场路 环城北路 武林路")),
        "西湖区": areas(("黄龙", 120.136, 30.276, "文三路 学院路 教工路")),
        "滨江区": areas(("江南大道", 120.205, 30.207, "江南大道 江陵路 滨盛路")),
        "余杭区": areas(("未来科技城", 120.015, 30.285, "文一西路 良睦路")),
        "萧山区": areas(("萧山城区", 120.268, 30.180, "人民路 市心路 金城路")),
        "海曙区": areas(("天一广场", 121.553, 29.870, "中山东路 开明街 药行街")),
        "鄞州区": areas(("南部商务区", 121.545, 29.822, "天童南路 鄞州大道 泰康路")),
        "鹿城区": areas(("五马街", 120.655, 28.018, "解放街 人民路 五马街")),
        "义乌市": areas(("国际商贸城", 120.100, 29.330, "稠州北路 福田路 商城大道")),
    },
    roads=_ZHEJIANG_ROADS,
    car=(300, 1_800),
    moto=(420, 2_000),
    ev_stations=80,
    legal_aid_stations=3,
    brands=COMMON_BRANDS
    | {
        "银行网点": words(f"{BANKS} 杭州银行{{}}支行 宁波银行{{}}支行 浙商银行{{}}支行"),
        "连锁便利店": words("十足便利{}店 好德便利{}店 全家{}店 罗森{}店 7-Eleven{}店"),
        "房产中介门店": words("链家{}店 我爱我家{}店"),
        "加油站": words(GAS),
        "商场": words("{}银泰百货 {}万达广场 {}龙湖天街 {}印象城"),
    },
)

PROFILES: Final = (ZHENGZHOU, ZHEJIANG)
