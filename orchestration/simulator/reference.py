"""Static reference data of the simulated shop: geography, warehouses, catalogue vocabulary,
names for fake customers and carriers.

Everything here is plain data; the modules that use it turn it into numpy lookup arrays.
All strings must be encodable in GBK (the shop and market exports use it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: str
    name: str
    region: str
    city: str
    ship_sla_hours: int
    shelving_sla_hours: int
    delivery_sla_hours: int
    cutoff_hour: int  # orders ready before this local hour ship the same day
    rent_per_day: float  # CNY at scale 1


WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse("WH-SH", "华东仓", "华东", "上海", 24, 24, 72, 16, 2600.0),
    Warehouse("WH-GZ", "华南仓", "华南", "广州", 24, 24, 72, 16, 2200.0),
    Warehouse("WH-BJ", "华北仓", "华北", "北京", 24, 36, 96, 15, 2400.0),
)

#: (province, region served by, weight in the visitor population, cities, capital first).
PROVINCES: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("上海", "华东", 5.0, ("上海",)),
    ("江苏", "华东", 8.0, ("南京", "苏州", "无锡", "常州")),
    ("浙江", "华东", 8.0, ("杭州", "宁波", "温州", "绍兴")),
    ("安徽", "华东", 3.5, ("合肥", "芜湖", "安庆")),
    ("山东", "华东", 6.0, ("济南", "青岛", "烟台", "潍坊")),
    ("福建", "华东", 4.0, ("福州", "厦门", "泉州")),
    ("江西", "华东", 2.5, ("南昌", "赣州", "九江")),
    ("广东", "华南", 12.0, ("广州", "深圳", "东莞", "佛山")),
    ("广西", "华南", 2.5, ("南宁", "柳州", "桂林")),
    ("海南", "华南", 0.8, ("海口", "三亚")),
    ("湖南", "华南", 3.5, ("长沙", "株洲", "衡阳")),
    ("湖北", "华南", 4.0, ("武汉", "宜昌", "襄阳")),
    ("四川", "华南", 5.0, ("成都", "绵阳", "南充")),
    ("重庆", "华南", 2.5, ("重庆",)),
    ("云南", "华南", 2.0, ("昆明", "大理", "曲靖")),
    ("贵州", "华南", 1.5, ("贵阳", "遵义")),
    ("北京", "华北", 5.0, ("北京",)),
    ("天津", "华北", 2.0, ("天津",)),
    ("河北", "华北", 4.0, ("石家庄", "唐山", "保定")),
    ("山西", "华北", 1.8, ("太原", "大同")),
    ("内蒙古", "华北", 1.0, ("呼和浩特", "包头")),
    ("辽宁", "华北", 2.8, ("沈阳", "大连")),
    ("吉林", "华北", 1.3, ("长春", "吉林")),
    ("黑龙江", "华北", 1.5, ("哈尔滨", "大庆")),
    ("河南", "华北", 5.0, ("郑州", "洛阳", "南阳")),
    ("陕西", "华北", 2.5, ("西安", "宝鸡")),
    ("甘肃", "华北", 0.9, ("兰州", "天水")),
    ("宁夏", "华北", 0.3, ("银川",)),
    ("青海", "华北", 0.3, ("西宁",)),
    ("新疆", "华北", 1.0, ("乌鲁木齐", "喀什")),
    ("西藏", "华北", 0.2, ("拉萨",)),
)


@dataclass(frozen=True)
class Category:
    name: str
    weight: float  # share of the catalogue
    median_price: float  # CNY
    price_sigma: float
    return_rate: float  # share of delivered lines returned
    fit_sensitive: bool  # returns are mostly about size and fit
    supplier_lead_days: int
    adjectives: tuple[str, ...]
    brands: tuple[int, ...]  # indices into BRANDS
    children: tuple[tuple[str, str, str], ...]  # (level 2 name, URL slug, size set)


#: Size sets; a "priced" set makes bigger sizes dearer (luggage, bedding).
SIZE_SETS: dict[str, tuple[tuple[str, ...], bool]] = {
    "apparel": (("S", "M", "L", "XL", "XXL"), False),
    "shoes": (("36", "37", "38", "39", "40", "41", "42", "43", "44"), False),
    "luggage": (("20寸", "24寸", "28寸"), True),
    "bedding": (("1.5m", "1.8m", "2.0m"), True),
    "one": (("均码",), False),
}

BRANDS: tuple[tuple[str, str], ...] = (
    ("山岚", "SL"),
    ("木槿", "MJ"),
    ("青禾", "QH"),
    ("远行者", "YX"),
    ("跃动", "YD"),
    ("简居", "JJ"),
    ("云栖", "YQ"),
    ("拾光", "SG"),
    ("北纬", "BW"),
    ("橙野", "CY"),
    ("素色", "SS"),
    ("朗途", "LT"),
    ("初棉", "CM"),
    ("轻羽", "QY"),
    ("石屋", "SW"),
    ("疾风", "JF"),
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        name="服装",
        weight=0.32,
        median_price=169.0,
        price_sigma=0.55,
        return_rate=0.15,
        fit_sensitive=True,
        supplier_lead_days=5,
        adjectives=("纯棉", "宽松", "修身", "复古", "简约", "加绒", "轻薄", "休闲"),
        brands=(0, 1, 2, 10, 12),
        children=(
            ("T恤", "tshirts", "apparel"),
            ("衬衫", "shirts", "apparel"),
            ("卫衣", "hoodies", "apparel"),
            ("外套", "jackets", "apparel"),
            ("裤装", "trousers", "apparel"),
            ("连衣裙", "dresses", "apparel"),
        ),
    ),
    Category(
        name="鞋靴",
        weight=0.20,
        median_price=329.0,
        price_sigma=0.5,
        return_rate=0.13,
        fit_sensitive=True,
        supplier_lead_days=7,
        adjectives=("透气", "轻便", "缓震", "复古", "百搭", "防滑"),
        brands=(3, 4, 8, 15),
        children=(
            ("运动鞋", "sneakers", "shoes"),
            ("休闲鞋", "casual-shoes", "shoes"),
            ("皮鞋", "leather-shoes", "shoes"),
            ("靴子", "boots", "shoes"),
            ("凉鞋", "sandals", "shoes"),
        ),
    ),
    Category(
        name="箱包",
        weight=0.13,
        median_price=259.0,
        price_sigma=0.6,
        return_rate=0.05,
        fit_sensitive=False,
        supplier_lead_days=6,
        adjectives=("大容量", "轻便", "防水", "简约", "商务", "复古"),
        brands=(3, 7, 11, 14),
        children=(
            ("双肩包", "backpacks", "one"),
            ("手提包", "handbags", "one"),
            ("行李箱", "luggage", "luggage"),
            ("钱包", "wallets", "one"),
        ),
    ),
    Category(
        name="运动户外",
        weight=0.18,
        median_price=219.0,
        price_sigma=0.7,
        return_rate=0.06,
        fit_sensitive=False,
        supplier_lead_days=6,
        adjectives=("速干", "专业", "轻量", "防风", "耐磨", "便携"),
        brands=(4, 9, 11, 13, 15),
        children=(
            ("瑜伽", "yoga", "apparel"),
            ("跑步装备", "running", "apparel"),
            ("户外服装", "outdoor-wear", "apparel"),
            ("露营", "camping", "one"),
            ("健身器材", "fitness", "one"),
        ),
    ),
    Category(
        name="家居",
        weight=0.17,
        median_price=129.0,
        price_sigma=0.6,
        return_rate=0.04,
        fit_sensitive=False,
        supplier_lead_days=4,
        adjectives=("纯棉", "北欧", "简约", "加厚", "柔软", "日式"),
        brands=(5, 6, 7, 14),
        children=(
            ("床品", "bedding", "bedding"),
            ("毛巾浴巾", "towels", "one"),
            ("收纳", "storage", "one"),
            ("家居服", "loungewear", "apparel"),
            ("餐厨", "kitchen", "one"),
        ),
    ),
)

COLOURS: tuple[str, ...] = (
    "黑色",
    "白色",
    "灰色",
    "藏青",
    "米白",
    "卡其",
    "红色",
    "蓝色",
    "绿色",
    "粉色",
    "咖啡",
    "酒红",
)


def _with_pinyin(text: str) -> tuple[str, list[str]]:
    """Split space-separated "<character><pinyin>" tokens into the characters and pinyin."""
    tokens = text.split()
    return "".join(token[0] for token in tokens), [token[1:] for token in tokens]


#: Surnames, most frequent first, and their pinyin.
SURNAMES, SURNAME_PINYIN = _with_pinyin(
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu "
    "胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng "
    "邓deng 曹cao"
)

#: Characters used in given names and their pinyin.
GIVEN_NAME_CHARS, GIVEN_NAME_PINYIN = _with_pinyin(
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 娟juan "
    "涛tao 明ming 超chao 秀xiu 霞xia 平ping 刚gang 英ying 华hua 玉yu 红hong 文wen 辉hui 鑫xin "
    "宇yu 浩hao 婷ting 雪xue 琳lin 晨chen 欣xin 佳jia 怡yi 博bo 思si 梓zi 涵han 睿rui 轩xuan "
    "子zi 嘉jia 雨yu 诗shi 晓xiao 俊jun 慧hui"
)

#: E-mail domains and their weights; qq.com addresses use a numeric QQ id.
EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("qq.com", 0.40),
    ("163.com", 0.25),
    ("126.com", 0.10),
    ("sina.com", 0.05),
    ("foxmail.com", 0.05),
    ("gmail.com", 0.05),
    ("outlook.com", 0.05),
    ("hotmail.com", 0.05),
)

#: Three-digit prefixes of Chinese mobile numbers.
PHONE_PREFIXES: tuple[int, ...] = (
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    150,
    151,
    152,
    155,
    156,
    157,
    158,
    159,
    176,
    177,
    178,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
    198,
    199,
)

#: Carriers by delivery method (name, weight).
CARRIERS: dict[str, tuple[tuple[str, float], ...]] = {
    "express": (("顺丰速运", 0.75), ("京东物流", 0.25)),
    "standard": (
        ("中通快递", 0.30),
        ("圆通速递", 0.25),
        ("韵达快递", 0.20),
        ("申通快递", 0.15),
        ("中国邮政", 0.10),
    ),
}


#: Devices of visits and orders (the contract's web.events.device values).
DEVICES = ("desktop", "mobile", "tablet", "app")

#: Cities the site monitoring probes from.
PROBE_LOCATIONS = ("北京", "上海", "广州")


@dataclass(frozen=True)
class AdPlan:
    key: str  # traffic source landing with this placement's code
    name: str
    code: str
    channel: str
    daily_budget: float  # CNY at scale 1
    ctr: float
    cpc: float | None  # cost per click (search) ...
    cpm: float | None  # ... or per thousand impressions (social feeds)


AD_PLACEMENTS = (
    AdPlan("brand", "百度品牌词", "bd-brand", "paid_search", 1100, 0.03, 1.0, None),
    AdPlan("generic", "百度通用词", "bd-generic", "paid_search", 3200, 0.012, 2.0, None),
    AdPlan("douyin", "抖音信息流", "dy-feed", "social", 4800, 0.008, None, 20.0),
    AdPlan("weibo", "微博粉丝通", "wb-feed", "social", 1300, 0.006, None, 12.0),
)

#: Conversion lift of a promotion's days, and of its peak day.
PROMOTION_CONVERSION = 1.2
PEAK_CONVERSION = 1.5
