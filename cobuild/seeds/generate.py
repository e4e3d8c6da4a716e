"""A deterministic synthetic city with the seed network's shape, for load and query tests.

``generate(scale, seed)`` returns ``(nodes, rels)`` in the :meth:`GraphEngine.bulk_load` contract:
``nodes[label]`` rows carry every property of the label, ``rels[type]`` rows carry ``from``, ``to``,
``fromLabel``, ``toLabel`` and every property of the type (missing ones ``None``).

Shape (per community, on average): compounds and grids ``PART_OF`` it; about 20 resident units
``LOCATED_IN`` it, most with a party organisation (``HAS_PARTY_ORG``, ``SUBORDINATE_TO``); about 8
pairings (``PARTY_TO`` HOST / PARTNER) with the derived ``CO_BUILDS_WITH`` and ``PAIRED_WITH``
edges computed by the same rule as :mod:`cobuild.graph.derive` (domain.md R24); agreements
(``SIGNED``, ``FORMALIZES``); demands ``PUBLISHES``-ed by the community, some ``CLAIMED`` by units;
resources ``OFFERS``-ed by units; projects (``ADDRESSES``, ``UNDER``, ``CLAIMED``, ``USES``); party
members (``EMPLOYED_BY``, ``MEMBER_OF``, ``REPORTS_TO``, ``HOLDS_POSITION`` including part-time
committee members with ``representsUnitId``); service records (``PERFORMED``, ``AT``, ``FOR``);
two-way evaluations (``GAVE``, ``OF``, ``ABOUT``); alliances (``BELONGS_TO``); venues
(``OPERATES``). A few communities have no pairing at all (coverage gaps).

Everything is ``synthetic: true`` with ``sourceRefs: ['GENERATED']``, ids ``<prefix>:g-000123``,
``createdAt``/``updatedAt`` at a fixed instant and ``regionId`` = the owning district's id. All
randomness comes from one ``random.Random(seed)`` consumed in a fixed order and no value depends on
the clock, so the same seed gives byte-identical rows.

Memory: records are kept as small dicts (nodes) and tuples (relationships) and expanded into full
rows only while a consumer iterates; ``city`` holds ~0.4 GB while loading.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from cobuild.graph import model, tallies
from cobuild.graph.changes import record_marker
from cobuild.seeds.regions import fill_area_paths

BASE_DATE = dt.date(2026, 1, 1)
CREATED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SOURCE_REF = "GENERATED"
_EPOCH = dt.date(2016, 1, 1).toordinal()
_SPAN = dt.date(2025, 12, 31).toordinal() - _EPOCH


@dataclass(frozen=True)
class Scale:
    districts: int
    streets: int  # per district
    communities: int  # per street


SCALES: dict[str, Scale] = {
    "tiny": Scale(districts=1, streets=2, communities=3),  # for tests: ~1.5k nodes
    "district": Scale(districts=1, streets=10, communities=14),  # ~1/10 of a city
    "city": Scale(districts=10, streets=10, communities=14),  # ≥200k nodes, ≥1M relationships
}

Rows = dict[str, Any]

# ------------------------------------------------------------------------------------------------
# Rows: records expanded to full bulk_load rows on iteration (re-iterable, sized)
# ------------------------------------------------------------------------------------------------
_PREFIX_LABEL = {lab.id_prefix: lab.name for lab in model.LABELS}


class NodeRows:
    """Rows of one label; iterating yields fresh dicts with every model key."""

    def __init__(self, label_name: str, records: list[dict[str, Any]]) -> None:
        self.label = label_name
        self.records = records
        self._names = model.label(label_name).prop_names

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Rows]:
        names = self._names
        for rec in self.records:
            row = dict.fromkeys(names)
            row["synthetic"] = True
            row["sourceRefs"] = [SOURCE_REF]
            row["createdAt"] = CREATED_AT
            row["updatedAt"] = CREATED_AT
            row.update(rec)
            yield row

    def bulk_values(self, cols: list[str]) -> Iterator[tuple[Any, ...]]:
        """The rows as value tuples in ``cols`` order, without a dict per row handed out: the fast
        path of ``LadybugEngine.bulk_load`` (same values as iterating)."""
        base: dict[str, Any] = dict.fromkeys(cols)
        for k, v in (("synthetic", True), ("sourceRefs", [SOURCE_REF]), ("createdAt", CREATED_AT), ("updatedAt", CREATED_AT)):
            if k in base:
                base[k] = v
        get = operator.itemgetter(*cols)
        if len(cols) == 1:
            for rec in self.records:
                yield (get({**base, **rec}),)
            return
        for rec in self.records:
            yield get({**base, **rec})


class RelRows:
    """Rows of one relationship type, kept as ``(from, to, *props)`` tuples until iterated."""

    def __init__(self, type_name: str) -> None:
        self.type = type_name
        self.props = tuple(p.name for p in model.rel(type_name).props)
        self.records: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Rows]:
        props = self.props
        labels = _PREFIX_LABEL
        for rec in self.records:
            a, b = rec[0], rec[1]
            row = {"from": a, "to": b, "fromLabel": labels[a[: a.index(":")]], "toLabel": labels[b[: b.index(":")]]}
            row.update(zip(props, rec[2:]))
            yield row

    def bulk_values(self, cols: list[str]) -> Iterator[tuple[str, str, tuple[Any, ...]]] | None:
        """``(fromLabel, toLabel, values)`` per row with ``values`` in ``cols`` order — the records
        themselves when ``cols`` is ``from, to, *props`` (the fast path of ``LadybugEngine.bulk_load``);
        ``None`` for any other column order."""
        if list(cols) != ["from", "to", *self.props]:
            return None
        return self._bulk_values()

    def _bulk_values(self) -> Iterator[tuple[str, str, tuple[Any, ...]]]:
        labels = _PREFIX_LABEL
        last_a = last_b = ""
        la = lb = ""
        for rec in self.records:
            a, b = rec[0], rec[1]
            pa = a[: a.index(":")]
            if pa != last_a:
                last_a, la = pa, labels[pa]
            pb = b[: b.index(":")]
            if pb != last_b:
                last_b, lb = pb, labels[pb]
            yield la, lb, rec


# ------------------------------------------------------------------------------------------------
# Vocabulary (synthetic names; no real place or person)
# ------------------------------------------------------------------------------------------------
_C1 = "锦青金武成龙温双郫新天东华蓉沙望桂柳松梅兴安和顺文德永福康宁瑞祥"
_C2 = "江羊牛侯华泉城流都津府阳河山湖桥林苑坪湾桂溪岭塘园堰池庄坝"
_CITY_NAMES = ("锦蓉市", "天江市", "青城市", "华阳市", "东湖市")
_DISTRICT_KINDS = (("区", 0.7), ("县", 0.1), ("高新区", 0.1), ("新区", 0.1))
_COMPOUND_WORDS = ("花园", "家园", "雅居", "新村", "名城", "公馆", "华庭", "苑", "里", "小区")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌鹏辉燕春晓雪莉婷宇浩然欣怡子涵"
_DEPTS = ("教育局", "卫生健康局", "民政局", "住房和城乡建设局", "司法局", "市场监督管理局", "城市管理局", "人力资源和社会保障局",
          "交通运输局", "文化广电旅游局", "税务局", "应急管理局")
# unitType: (weight, ownership, sector choices, name suffixes)
_UNIT_TYPES: tuple[tuple[str, float, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("GOV_AGENCY", 0.06, "STATE", ("政务",), ()),
    ("PUBLIC_INSTITUTION", 0.10, "PUBLIC_INSTITUTION", ("医疗", "教育", "文化"),
     ("人民医院", "小学", "中学", "幼儿园", "社区卫生服务中心", "图书馆", "职业技术学校")),
    ("SOE", 0.05, "STATE", ("交通", "能源", "金融", "建筑"), ("公交集团有限公司", "燃气有限公司", "供电公司", "建设集团有限公司")),
    ("NON_PUBLIC_ENTERPRISE", 0.30, "PRIVATE", ("信息技术", "制造", "商贸", "餐饮", "酒店", "物流"),
     ("科技有限公司", "电子信息有限公司", "商贸有限公司", "餐饮管理有限公司", "大酒店", "物流有限公司", "网络科技有限公司")),
    ("SOCIAL_ORG", 0.08, "NGO", ("社会服务", "养老", "公益"), ("社会工作服务中心", "公益发展中心", "养老服务中心", "志愿者协会")),
    ("PROPERTY_MGMT", 0.08, "PRIVATE", ("物业",), ("物业服务有限公司", "物业管理有限公司")),
    ("OWNERS_COMMITTEE", 0.04, "NGO", ("物业",), ("业主委员会",)),
    ("RESIDENTS_COMMITTEE", 0.02, "NGO", ("基层自治",), ("居民委员会",)),
    ("MERCHANT", 0.17, "PRIVATE", ("零售", "餐饮", "生活服务"), ("超市", "餐馆", "大药房", "理发店", "便利店", "茶馆")),
    ("INDUSTRY_ASSOCIATION", 0.01, "NGO", ("行业服务",), ("行业协会", "商会")),
    ("INCUBATOR", 0.01, "PRIVATE", ("创新创业",), ("孵化器", "众创空间")),
    ("FINANCIAL_INSTITUTION", 0.03, "STATE", ("金融",), ("银行支行", "农村商业银行分理处", "保险营业部")),
    ("MASS_ORG", 0.02, "PUBLIC_INSTITUTION", ("群团",), ("总工会", "团委", "妇联")),
    ("TRAINING_OR_STARTUP_ORG", 0.02, "PRIVATE", ("教育培训",), ("培训学校", "职业培训中心")),
    ("SELF_ORGANIZATION", 0.01, "NGO", ("文体",), ("京剧社", "读书会", "广场舞队")),
)
_CATEGORIES = (
    ("养老服务", ("助餐配餐", "上门探访", "日间照料", "适老化改造")),
    ("助残帮困", ("困难家庭帮扶", "残疾人康复", "微心愿认领", "临时救助")),
    ("文化活动", ("文艺演出", "读书分享", "传统节日", "体育健身")),
    ("教育培训", ("四点半课堂", "技能培训", "家庭教育", "党史学习")),
    ("医疗健康", ("义诊体检", "健康讲座", "心理疏导", "家庭医生签约")),
    ("环境治理", ("垃圾分类", "背街小巷整治", "绿化美化", "老旧小区改造")),
    ("就业创业", ("岗位推介", "创业指导", "招聘会", "灵活就业")),
    ("法律服务", ("法律咨询", "矛盾调解", "普法宣传", "法律援助")),
    ("安全应急", ("消防演练", "防汛减灾", "疫情防控", "治安巡逻")),
    ("企业服务", ("政策宣讲", "融资对接", "人才招引", "党建增信")),
)
_SKILLS = ("医疗", "法律", "教育", "心理咨询", "水电维修", "文艺", "摄影", "信息技术", "财务", "烹饪")
_OCCUPATIONS = ("教师", "医生", "工程师", "公务员", "会计", "护士", "司机", "个体经营者", "社区工作者", "退休职工", "快递员")
_TITLES = ("职员", "部门经理", "副总经理", "主任", "科长", "总经理", "教师", "医生")
_RESOURCE_KINDS = (("会议室共享", "每周2次"), ("义诊服务", "每月1次"), ("法律咨询", "每月2次"), ("活动场地", "周末全天"),
                   ("志愿者队伍", "20人"), ("图书捐赠", "500册"), ("就业岗位", "10个"), ("停车位错时共享", "30个"))
_PROJECT_TOPICS = ("邻里守望", "红色物业", "四点半课堂", "老旧小区改造", "助老食堂", "平安小区", "垃圾分类", "益企助企", "党员先锋岗")


def _pick_weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for value, w in items:
        x -= w
        if x < 0:
            return value
    return items[-1][0]


class _Builder:
    """Builds the records in one pass with one ``random.Random``; the order of calls is fixed."""

    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.nodes: dict[str, list[dict[str, Any]]] = {lab.name: [] for lab in model.LABELS}
        self.rels: dict[str, RelRows] = {r.name: RelRows(r.name) for r in model.RELATIONSHIPS}
        self._seq: dict[str, int] = {lab.name: 0 for lab in model.LABELS}
        self._rel_index = {r.name: {p.name: i for i, p in enumerate(r.props)} for r in model.RELATIONSHIPS}
        self.categories: list[str] = []  # leaf categories
        self.unit_org: dict[str, str] = {}  # unit id -> its party org
        self.area_org: dict[str, str] = {}  # area id -> its party org
        self.org_owner: dict[str, str] = {}  # org id -> owning area or unit
        self.covers: dict[str, list[str]] = {}  # joint branch -> covered units

    # -- primitives ------------------------------------------------------------------------------
    def node(self, label_name: str, name: str, region: str | None, **props: Any) -> str:
        self._seq[label_name] += 1
        node_id = f"{model.label(label_name).id_prefix}:g-{self._seq[label_name]:06d}"
        rec = {"id": node_id, "name": name, "regionId": region}
        rec.update({k: v for k, v in props.items() if v is not None})
        self.nodes[label_name].append(rec)
        return node_id

    def rel(self, type_name: str, a: str, b: str, **props: Any) -> None:
        rr = self.rels[type_name]
        if props:
            idx = self._rel_index[type_name]
            vals: list[Any] = [None] * len(idx)
            for k, v in props.items():
                vals[idx[k]] = v
            rr.records.append((a, b, *vals))
        else:
            rr.records.append((a, b, *([None] * len(rr.props))))

    def date(self, lo: dt.date | None = None, hi: dt.date | None = None) -> dt.date:
        a = lo.toordinal() if lo else _EPOCH
        b = hi.toordinal() if hi else _EPOCH + _SPAN
        return dt.date.fromordinal(self.rng.randint(a, max(a, b)))

    def poisson_ish(self, mean: float) -> int:
        """A small non-negative count around ``mean`` (triangular, cheap and deterministic)."""
        return max(0, int(round(self.rng.triangular(0, 2 * mean, mean))))

    def person_name(self) -> str:
        r = self.rng
        return r.choice(_SURNAMES) + "".join(r.choice(_GIVEN) for _ in range(r.choice((1, 2, 2))))

    def place(self) -> str:
        return self.rng.choice(_C1) + self.rng.choice(_C2)

    # -- the network -----------------------------------------------------------------------------
    def build(self) -> None:
        r = self.rng
        self.build_categories()
        city_name = r.choice(_CITY_NAMES)
        city = self.node("AdminArea", city_name, None, level="CITY", kind="市", code="510000",
                         areaKm2=round(r.uniform(8000, 15000), 1), populationResident=r.randint(8_000_000, 21_000_000))
        city_org = self.org(city, f"中共{city_name}委员会", None, "COMMITTEE", "市委")
        used: set[str] = set()
        for d in range(self.scale.districts):
            name = self.place()
            while name in used:
                name = self.place()
            used.add(name)
            kind = _pick_weighted(r, _DISTRICT_KINDS)
            self.district(city, city_org, d, name + kind, kind)

    def build_categories(self) -> None:
        for i, (top, subs) in enumerate(_CATEGORIES, 1):
            parent = self.node("Category", top, None, code=f"C{i:02d}")
            for j, sub in enumerate(subs, 1):
                leaf = self.node("Category", sub, None, code=f"C{i:02d}-{j:02d}")
                self.rel("SUBCATEGORY_OF", leaf, parent)
                self.categories.append(leaf)

    def org(self, owner: str | None, name: str, region: str | None, org_type: str, sub_type: str,
            superior: str | None = None, kind: str = "LEADERSHIP", **props: Any) -> str:
        r = self.rng
        since = self.date(hi=dt.date(2022, 12, 31))
        oid = self.node("PartyOrganization", name, region, orgType=org_type, subType=sub_type,
                        formationMode=props.pop("formationMode", "BUILD"),
                        cultivationStage=props.pop("cultivationStage", None),
                        independent=props.pop("independent", True),
                        fullTimeStaff=props.pop("fullTimeStaff", r.randint(0, 3)), **props)
        if owner is not None:
            self.rel("HAS_PARTY_ORG", owner, oid, since=since)
            self.org_owner[oid] = owner
            if owner.startswith("unit:"):
                self.unit_org[owner] = oid
            else:
                self.area_org[owner] = oid
        if superior is not None:
            self.rel("SUBORDINATE_TO", oid, superior, kind=kind)
        return oid

    def district(self, city: str, city_org: str, d: int, name: str, kind: str) -> None:
        r = self.rng
        did = self.node("AdminArea", name, None, level="DISTRICT", kind=kind, code=f"5101{d + 1:02d}",
                        areaKm2=round(r.uniform(60, 1200), 1), populationRegistered=r.randint(300_000, 900_000),
                        populationResident=r.randint(400_000, 1_500_000),
                        demoStatus=r.choice(("NONE", "NONE", "CITY_DEMO", "NATIONAL")))
        self.nodes["AdminArea"][-1]["regionId"] = did
        self.rel("PART_OF", did, city, confidence="STATED")
        dorg = self.org(did, f"中共{name}委员会", did, "COMMITTEE", "区委", city_org)
        self.venue(did, did, dorg, f"{name}党群服务中心", "PARTY_MASS_COMPLEX")
        alliances = []
        for atype, label in (("MERCHANT", "红色商家联盟"), ("INDUSTRY_CHAIN", "产业链党建联盟"),
                             ("ENTERPRISE_SERVICE", "益企助企联盟"), ("VOLUNTEER_SERVICE", "志愿服务联盟")):
            alliances.append(self.node("Alliance", f"{name}{label}", did, allianceType=atype,
                                       validFrom=self.date(dt.date(2018, 1, 1), dt.date(2023, 12, 31))))
        ctx = _District(did, name, dorg, alliances)
        for s in range(self.scale.streets):
            self.street(ctx, d, s)
        # alliance leads: the first member of each alliance leads it
        for aid, members in ctx.alliance_members.items():
            for i, (m, since) in enumerate(members):
                self.rel("BELONGS_TO", m, aid, role="LEAD" if i == 0 else "MEMBER", joinedAt=since)

    def street(self, ctx: "_District", d: int, s: int) -> None:
        r = self.rng
        is_town = r.random() < 0.2
        name = self.place() + ("镇" if is_town else "街道")
        sid = self.node("AdminArea", name, ctx.id, level="TOWN" if is_town else "STREET",
                        code=f"5101{d + 1:02d}{s + 1:03d}", areaKm2=round(r.uniform(5, 80), 1),
                        populationResident=r.randint(30_000, 150_000))
        self.rel("PART_OF", sid, ctx.id, confidence="STATED")
        sorg = self.org(sid, f"中共{ctx.name}{name}工作委员会", ctx.id, "WORKING_COMMITTEE", "街道党工委", ctx.org)
        self.venue(sid, ctx.id, sorg, f"{name}党群服务中心", "PARTY_MASS_CENTER")
        st = _Street(sid, name, sorg, is_town)
        for c in range(self.scale.communities):
            gap = c == 0 and s == 0 or r.random() < 0.03  # coverage gaps: communities with no pairing
            self.community(ctx, st, d, s, c, gap)
        # street-level pairings: the street (or its working committee) with district agencies
        for _ in range(r.randint(1, 3)):
            if ctx.agencies:
                self.pairing(ctx, st, None, sid, r.choice(ctx.agencies), level="STREET")

    def community(self, ctx: "_District", st: "_Street", d: int, s: int, c: int, gap: bool) -> None:
        r = self.rng
        ctype = "VILLAGE" if st.is_town and r.random() < 0.5 else _pick_weighted(
            r, (("URBAN", 0.65), ("AGRI_RELATED", 0.25), ("VILLAGE", 0.10)))
        base = self.place()
        name = base + ("村" if ctype == "VILLAGE" else "社区")
        pop = r.randint(3_000, 25_000)
        cid = self.node("AdminArea", name, ctx.id, level="VILLAGE" if ctype == "VILLAGE" else "COMMUNITY",
                        communityType=ctype, code=f"5101{d + 1:02d}{s + 1:03d}{c + 1:03d}",
                        demoStatus=_pick_weighted(r, (("NONE", 0.8), ("DISTRICT_DEMO", 0.15), ("CITY_DEMO", 0.05))),
                        areaKm2=round(r.uniform(0.3, 12), 2), populationRegistered=int(pop * r.uniform(0.5, 0.9)),
                        populationResident=pop, staffCount=max(5, pop // 1000),
                        aliases=[base] if r.random() < 0.3 else None)
        self.rel("PART_OF", cid, st.id, confidence="STATED")
        corg = self.org(cid, f"中共{name}委员会" if pop > 8000 else f"中共{name}总支部委员会", ctx.id,
                        "COMMITTEE" if pop > 8000 else "GENERAL_BRANCH", "社区党组织", st.org)
        cm = _Community(cid, name, corg)
        venue = self.venue(cid, ctx.id, corg, f"{name}党群服务站", "PARTY_MASS_STATION")
        cm.venue = venue

        # compounds and grids
        for k in range(max(1, self.poisson_ish(6))):
            kind = "农集区" if ctype != "URBAN" and r.random() < 0.4 else r.choice(("小区", "小区", "院落"))
            comp = self.node("AdminArea", self.place() + r.choice(_COMPOUND_WORDS), ctx.id, level="COMPOUND",
                             kind=kind, populationResident=r.randint(300, 4000))
            self.rel("PART_OF", comp, cid, confidence="STATED")
            cm.compounds.append(comp)
            if r.random() < 0.5:
                self.org(comp, f"{self.nodes['AdminArea'][-1]['name']}党支部", ctx.id, "BRANCH", "小区党支部", corg)
        for k in range(max(1, self.poisson_ish(4))):
            grid = self.node("AdminArea", f"{name}第{k + 1}网格", ctx.id, level="GRID")
            self.rel("PART_OF", grid, cid, confidence="STATED")
            cm.grids.append(grid)
            if r.random() < 0.2:
                self.org(grid, f"{name}第{k + 1}网格党小组", ctx.id, "GRID_ORG", "网格党组织", corg)
        joint = self.org(None, f"{name}非公企业联合党支部", ctx.id, "JOINT_BRANCH", "非公企业联合党支部", corg,
                         formationMode="JOINT", independent=False, cultivationStage=r.choice(
                             ("NURSERY", "INCUBATOR", "ACCELERATOR")))

        # resident units
        for _ in range(max(3, self.poisson_ish(20))):
            self.unit(ctx, st, cm, joint)

        # people
        self.people(ctx, st, cm, self.poisson_ish(64))

        # co-building
        if not gap and cm.units:
            for _ in range(max(1, self.poisson_ish(9))):
                host = cid
                level = "COMMUNITY"
                if cm.compounds and r.random() < 0.12:
                    host = r.choice(cm.compounds)
                    level = "COMPOUND"
                pool = cm.units if r.random() < 0.75 or not st.units else st.units
                self.pairing(ctx, st, cm, host, r.choice(pool), level=level)

        self.demands_and_projects(ctx, cm)
        self.services(ctx, cm)
        st.units.extend(cm.units)
        st.communities.append(cm)

    def unit(self, ctx: "_District", st: "_Street", cm: "_Community", joint: str) -> None:
        r = self.rng
        x = r.random()
        for utype, w, ownership, sectors, suffixes in _UNIT_TYPES:
            x -= w
            if x < 0:
                break
        if utype == "GOV_AGENCY":
            name = ctx.name + r.choice(_DEPTS)
        elif utype in ("OWNERS_COMMITTEE", "RESIDENTS_COMMITTEE"):
            name = (r.choice(cm.compounds) if utype == "OWNERS_COMMITTEE" and cm.compounds else cm.id)
            name = self._name_of_area(name) + suffixes[0]
        else:
            name = self.place() + r.choice(suffixes)
        tags = None
        if utype in ("NON_PUBLIC_ENTERPRISE", "SOE"):
            tags = sorted(r.sample(("规上", "专精特新", "小微", "上市公司"), r.randint(0, 2))) or None
        has_org = r.random() < (0.95 if utype in ("GOV_AGENCY", "PUBLIC_INSTITUTION", "SOE") else 0.55)
        covered = not has_org and utype in model.TWO_NEW_TYPES and r.random() < 0.6
        uid = self.node("Unit", name, ctx.id, unitType=utype, ownership=ownership, sector=r.choice(sectors),
                        isResidentUnit=True, scaleTags=tags,
                        growthTier=r.choice(model.GROWTH_TIERS) if utype == "NON_PUBLIC_ENTERPRISE" and r.random() < 0.3 else None,
                        partyCoverageStatus="INDEPENDENT" if has_org else ("COVERED_BY_JOINT" if covered else "NONE"),
                        creditCode=f"91510{r.randrange(10**12):012d}X")
        self.rel("LOCATED_IN", uid, cm.id, primary=True, confidence="STATED")
        if cm.grids and r.random() < 0.8:
            self.rel("LOCATED_IN", uid, r.choice(cm.grids), primary=False, confidence="INFERRED")
        if has_org:
            if utype in ("GOV_AGENCY", "PUBLIC_INSTITUTION"):
                sup, kind = ctx.org, "LEADERSHIP"
            elif r.random() < 0.75:
                sup, kind = cm.org, "LEADERSHIP"
            else:
                sup, kind = st.org, "ATTACHED"
            otype = "COMMITTEE" if utype in ("GOV_AGENCY", "SOE") and r.random() < 0.3 else r.choice(("BRANCH", "BRANCH", "GENERAL_BRANCH"))
            self.org(uid, f"{name}党{'委' if otype == 'COMMITTEE' else '支部' if otype == 'BRANCH' else '总支'}", ctx.id,
                     otype, "单位党组织", sup, kind,
                     cultivationStage=r.choice(model.CULTIVATION_STAGES) if utype in model.TWO_NEW_TYPES else None)
        elif covered:
            self.rel("COVERS", joint, uid, mode="JOINT", since=self.date(hi=dt.date(2024, 12, 31)))
            self.covers.setdefault(joint, []).append(uid)
        cm.units.append(uid)
        if utype in ("GOV_AGENCY", "PUBLIC_INSTITUTION"):
            ctx.agencies.append(uid)
        if r.random() < 0.6:  # resources on the unit's list
            for _ in range(r.choice((1, 1, 2))):
                what, cap = r.choice(_RESOURCE_KINDS)
                res = self.node("Resource", f"{name}{what}", ctx.id, description=f"{name}向社区开放{what}",
                                capacity=cap, schedule=r.choice(("工作日", "周末", "错时开放", "预约")))
                self.rel("OFFERS", uid, res, since=self.date(dt.date(2019, 1, 1)))
                for cat in r.sample(self.categories, r.choice((1, 1, 2))):
                    self.rel("IN_CATEGORY", res, cat)
                cm.resources.append((uid, res))
        if r.random() < 0.15:
            member = self.unit_org.get(uid, uid) if r.random() < 0.3 else uid
            ctx.alliance_members.setdefault(r.choice(ctx.alliances), []).append(
                (member, self.date(dt.date(2018, 6, 1))))

    def _name_of_area(self, area_id: str) -> str:
        # areas are appended in order; ids are sequential, so the record is found by number
        return self.nodes["AdminArea"][int(area_id.rsplit("-", 1)[1]) - 1]["name"]

    def people(self, ctx: "_District", st: "_Street", cm: "_Community", n: int) -> None:
        r = self.rng
        branches = [self.area_org[a] for a in cm.compounds if a in self.area_org]
        for _ in range(n):
            cat = _pick_weighted(r, (("IN_SERVICE", 0.5), ("RETIRED", 0.2), ("RESIDENT", 0.2), ("FLOATING", 0.1)))
            roles = ["PARTY_MEMBER"]
            if r.random() < 0.4:
                roles.append("VOLUNTEER")
            if r.random() < 0.06:
                roles.append("GRID_WORKER")
            if r.random() < 0.05:
                roles.append("COMMUNITY_WORKER")
            status = "PROBATIONARY" if r.random() < 0.06 else "FULL"
            skills = sorted(r.sample(_SKILLS, r.choice((0, 1, 1, 2)))) or None
            pid = self.node("Person", self.person_name(), ctx.id, roles=roles, memberCategory=cat,
                            membershipStatus=status, occupation="退休职工" if cat == "RETIRED" else r.choice(_OCCUPATIONS),
                            skills=skills, phone=f"1{r.choice('3589')}{r.randrange(10**9):09d}" if r.random() < 0.5 else None)
            joined = self.date(dt.date(1985, 1, 1), dt.date(2024, 6, 30))
            employer = None
            if cat == "IN_SERVICE" and (cm.units or st.units):
                pool = st.units if st.units and (not cm.units or r.random() >= 0.7) else cm.units
                employer = r.choice(pool)
                self.rel("EMPLOYED_BY", pid, employer, since=self.date(dt.date(2005, 1, 1)), title=r.choice(_TITLES))
            # formal membership: the employer's party organisation, else the community's (or a compound branch)
            if employer is not None and employer in self.unit_org:
                org = self.unit_org[employer]
            elif branches and r.random() < 0.4:
                org = r.choice(branches)
            else:
                org = cm.org
            self.rel("MEMBER_OF", pid, org, since=joined, status=status)
            if cat == "IN_SERVICE" and org != cm.org:  # 双报到: in-service members report where they live
                self.rel("REPORTS_TO", pid, cm.org, reportType="IN_SERVICE", reportedAt=self.date(dt.date(2019, 1, 1)),
                         channel=r.choice(("ONLINE", "QR", "ONSITE")), status=r.choice(("REPORTED", "ACTIVE", "ACTIVE", "VERIFIED")))
            elif cat == "FLOATING":
                self.rel("REPORTS_TO", pid, cm.org, reportType="FLOATING_INFLOW", reportedAt=self.date(dt.date(2019, 1, 1)),
                         channel=r.choice(("ONLINE", "QR")), status=r.choice(("REGISTERED", "VERIFIED")))
            cm.people.append((pid, employer))
        self.positions(ctx, cm)

    def positions(self, ctx: "_District", cm: "_Community") -> None:
        r = self.rng
        people = cm.people
        if not people:
            return
        since = self.date(dt.date(2021, 1, 1), dt.date(2024, 12, 31))
        chosen = r.sample(people, min(len(people), 4))
        for (pid, _), role in zip(chosen, ("SECRETARY", "DEPUTY_SECRETARY", "COMMITTEE_MEMBER", "COMMITTEE_MEMBER")):
            self.rel("HOLDS_POSITION", pid, cm.org, role=role, concurrent=False, since=since)
        # 兼职委员: members working in resident units sit on the community committee for their unit
        workers = [(p, e) for p, e in people if e is not None]
        for pid, employer in r.sample(workers, min(len(workers), r.randint(1, 4))):
            self.rel("HOLDS_POSITION", pid, cm.org, role="PART_TIME_COMMITTEE_MEMBER", concurrent=True,
                     representsUnitId=employer, since=since)
        # secretaries of the community's other organisations and unit directors
        for uid in cm.units:
            staff = [p for p, e in people if e == uid]
            if not staff:
                continue
            self.rel("HOLDS_POSITION", staff[0], uid, role="DIRECTOR", concurrent=False,
                     since=self.date(dt.date(2015, 1, 1)))
            if uid in self.unit_org:
                self.rel("HOLDS_POSITION", staff[-1], self.unit_org[uid], role="SECRETARY",
                         concurrent=staff[-1] == staff[0], since=self.date(dt.date(2018, 1, 1)))
        for grid in cm.grids:
            if r.random() < 0.5:
                self.rel("HOLDS_POSITION", r.choice(people)[0], cm.org, role="GRID_HEAD", concurrent=True,
                         since=since)

    def pairing(self, ctx: "_District", st: "_Street", cm: "_Community | None", host_area: str, unit: str,
                level: str) -> None:
        r = self.rng
        host_org = self.area_org.get(host_area)
        unit_org = self.unit_org.get(unit)
        host = host_org if host_org and r.random() < 0.35 else host_area
        partner = unit_org if unit_org and r.random() < 0.4 else unit
        status = _pick_weighted(r, (("ACTIVE", 0.84), ("PROPOSED", 0.03), ("UNDER_RECTIFICATION", 0.04),
                                    ("TERMINATED", 0.05), ("EXPIRED", 0.04)))
        ptype = _pick_weighted(r, (("CO_BUILDING", 0.75), ("ASSISTANCE", 0.1), ("MENTORING", 0.05), ("LIAISON", 0.1)))
        forms = [f for f in model.FORMS if r.random() < 0.45] or [r.choice(model.FORMS)]
        since = self.date(dt.date(2017, 1, 1), dt.date(2025, 6, 30))
        terminated = self.date(since, dt.date(2025, 12, 31)) if status == "TERMINATED" else None
        host_name = self._name_of_area(host_area)
        unit_name = self.nodes["Unit"][int(unit.rsplit("-", 1)[1]) - 1]["name"]
        pid = self.node("Pairing", f"{host_name}与{unit_name}结对共建", ctx.id, pairingType=ptype, status=status,
                        level=level, forms=forms, since=since, terminatedAt=terminated, validFrom=since,
                        validTo=terminated)
        self.rel("PARTY_TO", host, pid, side="HOST", joinedAt=since)
        self.rel("PARTY_TO", partner, pid, side="PARTNER", joinedAt=since)
        # derived edges, by the rule of cobuild.graph.derive (domain.md R24)
        via = host != host_area or partner != unit
        self.rel("CO_BUILDS_WITH", host_area, unit, pairingId=pid, since=since, status=status, forms=forms,
                 viaPartyOrg=via)
        if host_org and unit_org and host_org != unit_org:
            self.rel("PAIRED_WITH", host_org, unit_org, pairingId=pid, since=since, status=status)
        # agreement
        if status != "PROPOSED" and r.random() < 0.75:
            astatus = {"TERMINATED": "TERMINATED", "EXPIRED": "EXPIRED"}.get(status, r.choice(("IN_FORCE", "IN_FORCE", "SIGNED", "RENEWED")))
            agr = self.node("Agreement", f"{host_name}与{unit_name}共驻共建协议书", ctx.id,
                            agreementType=r.choice(("CO_RESIDENCE_CO_BUILDING", "JOINT_BUILDING", "PAIRING_RESPONSIBILITY")),
                            status=astatus, scope=forms,
                            responsibilities=r.sample(("组织联建", "活动联办", "资源联享", "党员联管", "服务联做", "难题联解"), 2),
                            signedAt=since, effectiveTo=since + dt.timedelta(days=3 * 365))
            self.rel("SIGNED", host, agr, role="PARTY_A", signedAt=since)
            self.rel("SIGNED", partner, agr, role="PARTY_B", signedAt=since)
            self.rel("FORMALIZES", agr, pid)
        # two-way evaluations of the pairing
        if status in ("ACTIVE", "UNDER_RECTIFICATION", "TERMINATED", "EXPIRED"):
            for year in range(max(since.year + 1, 2020), 2026):
                if r.random() < 0.25:
                    continue
                for direction, giver, target in (("AREA_TO_UNIT", host_area, unit), ("UNIT_TO_AREA", unit, host_area)):
                    if r.random() < 0.5:
                        continue
                    score = round(r.uniform(55, 100), 1)
                    ev = self.node("Evaluation", f"{year}年度双向评议", ctx.id, evaluationType="TWO_WAY_CO_BUILDING",
                                   direction=direction, year=year, score=score,
                                   satisfactionRate=round(r.uniform(75, 100), 1),
                                   outcome="OK" if score >= 70 else r.choice(("CIRCULATED_CRITICISM", "RECTIFY_BY_DEADLINE")),
                                   published=r.random() < 0.7)
                    self.rel("GAVE", giver, ev)
                    self.rel("OF", ev, target)
                    self.rel("ABOUT", ev, pid)
        if cm is not None:
            cm.pairings.append((pid, unit))

    def demands_and_projects(self, ctx: "_District", cm: "_Community") -> None:
        r = self.rng
        partners = [u for _, u in cm.pairings] or cm.units
        for _ in range(self.poisson_ish(10)):
            cat = r.choice(self.categories)
            cat_name = self.nodes["Category"][int(cat.rsplit("-", 1)[1]) - 1]["name"]
            status = _pick_weighted(r, (("PUBLISHED", 0.3), ("CLAIMED", 0.2), ("IN_PROGRESS", 0.15), ("COMPLETED", 0.22),
                                        ("EVALUATED", 0.05), ("EXPIRED", 0.05), ("CANCELLED", 0.03)))
            published = self.date(dt.date(2020, 1, 1), dt.date(2025, 10, 31))
            # commas and quotes on purpose: the bulk loaders must carry them
            desc = f'{cm.name}居民需要"{cat_name}", 每周{r.randint(1, 5)}次，约{r.randint(5, 60)}人受益'
            dem = self.node("Demand", f"{cm.name}{cat_name}需求", ctx.id, status=status, description=desc,
                            publishedAt=published, deadline=published + dt.timedelta(days=r.randint(30, 180)))
            self.rel("PUBLISHES", cm.id, dem, publishedAt=published)
            self.rel("IN_CATEGORY", dem, cat)
            if r.random() < 0.3:
                self.rel("IN_CATEGORY", dem, r.choice(self.categories))
            if status in ("CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED") and partners:
                claimer = r.choice(partners)
                done = status in ("COMPLETED", "EVALUATED")
                claimed = self.date(published, published + dt.timedelta(days=30))
                self.rel("CLAIMED", claimer, dem, claimedAt=claimed, mode=r.choice(("ONLINE_ORDER", "CLAIM", "DESIGNATED")),
                         role="LEAD", status="COMPLETED" if done else "ACTIVE",
                         completedAt=claimed + dt.timedelta(days=r.randint(7, 90)) if done else None)
            cm.demands.append(dem)
        for _ in range(self.poisson_ish(3)):
            topic = r.choice(_PROJECT_TOPICS)
            year = r.randint(2019, 2025)
            status = _pick_weighted(r, (("LISTED", 0.2), ("CLAIMED", 0.2), ("IN_PROGRESS", 0.25), ("COMPLETED", 0.25),
                                        ("EVALUATED", 0.05), ("SUSPENDED", 0.05)))
            started = dt.date(year, r.randint(1, 12), r.randint(1, 28))
            prj = self.node("Project", f"{cm.name}{topic}项目", ctx.id, status=status,
                            direction=r.choice(model.PROJECT_DIRECTIONS), description=f"{year}年{topic}, 共建单位领办",
                            year=year, startedAt=started if status != "LISTED" else None,
                            completedAt=started + dt.timedelta(days=r.randint(60, 300)) if status in ("COMPLETED", "EVALUATED") else None)
            self.rel("IN_CATEGORY", prj, r.choice(self.categories))
            if cm.pairings:
                self.rel("UNDER", prj, r.choice(cm.pairings)[0])
            for dem in r.sample(cm.demands, min(len(cm.demands), r.randint(0, 2))):
                self.rel("ADDRESSES", prj, dem)
            if status != "LISTED" and partners:
                leads = r.sample(partners, min(len(partners), r.randint(1, 2)))
                for i, u in enumerate(leads):
                    claimer = self.unit_org.get(u, u) if r.random() < 0.3 else u
                    self.rel("CLAIMED", claimer, prj, claimedAt=started, mode=r.choice(("DUAL_LEAD", "CLAIM", "TASKFORCE")),
                             role="LEAD" if i == 0 else "SUPPORT",
                             status="COMPLETED" if status in ("COMPLETED", "EVALUATED") else "ACTIVE")
                    for owner, res in cm.resources:
                        if owner == u:
                            self.rel("USES", prj, res)
                            break
            cm.projects.append(prj)

    def services(self, ctx: "_District", cm: "_Community") -> None:
        r = self.rng
        if not cm.people:
            return
        volunteers = [p for p, _ in cm.people]
        targets = cm.demands + cm.projects
        for _ in range(self.poisson_ish(62)):
            cat = r.choice(self.categories)
            hours = r.choice((0.5, 1.0, 1.5, 2.0, 2.0, 3.0, 4.0, 8.0))
            sid = self.node("ServiceRecord", "志愿服务", ctx.id, date=self.date(dt.date(2020, 1, 1)), hours=hours,
                            points=int(hours * 10), description=r.choice(("入户走访", "政策宣传", "环境整治", "关爱独居老人", "义诊", "四点半课堂")))
            for p in r.sample(volunteers, min(len(volunteers), r.choice((1, 2, 2, 3, 3, 4)))):
                self.rel("PERFORMED", p, sid)
            self.rel("AT", sid, cm.venue if cm.venue and r.random() < 0.4 else cm.id)
            self.rel("IN_CATEGORY", sid, cat)
            if targets and r.random() < 0.5:
                self.rel("FOR", sid, r.choice(targets))

    def venue(self, area: str, region: str, org: str, name: str, vtype: str) -> str:
        r = self.rng
        vid = self.node("Venue", name, region, venueType=vtype, areaSqm=float(r.randrange(80, 3000, 10)),
                        services=sorted(r.sample(("党员教育", "议事协商", "便民服务", "文化活动", "托幼托老", "法律咨询"), 3)),
                        openingMode=r.choice(("全天开放", "错时共享", "预约开放")))
        self.rel("LOCATED_IN", vid, area, primary=True, confidence="STATED")
        self.rel("OPERATES", org, vid, role="OWNER")
        if r.random() < 0.3:
            self.rel("OPERATES", area, vid, role="OPERATOR")
        self.rel("IN_CATEGORY", vid, r.choice(self.categories))
        return vid


class _District:
    def __init__(self, did: str, name: str, org: str, alliances: list[str]) -> None:
        self.id, self.name, self.org, self.alliances = did, name, org, alliances
        self.agencies: list[str] = []
        self.alliance_members: dict[str, list[tuple[str, dt.date]]] = {}


class _Street:
    def __init__(self, sid: str, name: str, org: str, is_town: bool) -> None:
        self.id, self.name, self.org, self.is_town = sid, name, org, is_town
        self.units: list[str] = []
        self.communities: list[_Community] = []


class _Community:
    def __init__(self, cid: str, name: str, org: str) -> None:
        self.id, self.name, self.org = cid, name, org
        self.venue: str | None = None
        self.compounds: list[str] = []
        self.grids: list[str] = []
        self.units: list[str] = []
        self.people: list[tuple[str, str | None]] = []
        self.pairings: list[tuple[str, str]] = []
        self.demands: list[str] = []
        self.projects: list[str] = []
        self.resources: list[tuple[str, str]] = []


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------
def generate(scale: str, seed: int) -> tuple[dict[str, NodeRows], dict[str, RelRows]]:
    """The network for ``scale`` (``tiny``, ``district``, ``city``) and ``seed``, as bulk_load input.

    Values are re-iterable and sized; labels and types with no rows are left out.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    b = _Builder(SCALES[scale], int(seed))
    b.build()
    fill_area_paths(b.nodes, ((t, {"from": rec[0], "to": rec[1]}) for t, rr in b.rels.items() for rec in rr.records))
    nodes = {k: NodeRows(k, v) for k, v in b.nodes.items() if v}
    rels = {k: v for k, v in b.rels.items() if v.records}
    return nodes, rels


async def load_generated(
    engine: Any, scale: str, seed: int, progress: Callable[[str, int], None] | None = None
) -> dict[str, Any]:
    """Generate and bulk-load; returns counts and timings (generation and load, seconds)."""
    t0 = time.perf_counter()
    nodes, rels = generate(scale, seed)
    t1 = time.perf_counter()
    counts = await engine.bulk_load(nodes, rels, progress)
    await record_marker(engine, "generate")  # the change feed: one RELOADED marker for the bulk load
    t2 = time.perf_counter()
    await tallies.rebuild(engine)  # the roll-ups' per-community facts, computed from what was loaded
    t3 = time.perf_counter()
    n_nodes = sum(counts.get(k, 0) for k in nodes)
    n_rels = sum(counts.get(k, 0) for k in rels)
    load_s = t2 - t1
    return {
        "scale": scale,
        "seed": seed,
        "nodes": n_nodes,
        "relationships": n_rels,
        "counts": counts,
        "generate_seconds": round(t1 - t0, 3),
        "load_seconds": round(load_s, 3),
        "tallies_seconds": round(t3 - t2, 3),
        "elapsed_seconds": round(t3 - t0, 3),
        "nodes_per_second": round(n_nodes / load_s) if load_s else None,
        "relationships_per_second": round(n_rels / load_s) if load_s else None,
    }


async def run_generate_cli(engine: Any, scale: str, seed: int, console: Any) -> dict[str, Any]:
    """``cobuild generate``: generate and load with a rich progress bar, then print the timings."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with console.status(f"generating the {scale} network (seed {seed}) …"):
        t0 = time.perf_counter()
        nodes, rels = generate(scale, seed)
        gen_s = time.perf_counter() - t0
    total = sum(len(v) for v in nodes.values()) + sum(len(v) for v in rels.values())
    console.print(f"generated {sum(len(v) for v in nodes.values()):,} nodes and "
                  f"{sum(len(v) for v in rels.values()):,} relationships in {gen_s:.1f}s")
    seen: dict[str, int] = {}
    with Progress(TextColumn("[bold]{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[current]}"), TimeElapsedColumn(), console=console,
                  transient=False) as bar:
        task = bar.add_task("loading", total=total, current="")

        def progress(what: str, n: int) -> None:
            delta = n - seen.get(what, 0)
            seen[what] = n
            bar.update(task, advance=max(0, delta), current=what)

        t1 = time.perf_counter()
        counts = await engine.bulk_load(nodes, rels, progress)
        await record_marker(engine, "generate")  # the change feed: one RELOADED marker for the bulk load
        load_s = time.perf_counter() - t1
        bar.update(task, completed=total, current="done")
    with console.status("computing the community tallies (cobuild.graph.tallies) …"):
        t2 = time.perf_counter()
        await tallies.rebuild(engine)
        tallies_s = time.perf_counter() - t2
    n_nodes = sum(counts.get(k, 0) for k in nodes)
    n_rels = sum(counts.get(k, 0) for k in rels)
    console.print(
        f"loaded {n_nodes:,} nodes and {n_rels:,} relationships in {load_s:.1f}s "
        f"({n_nodes / load_s:,.0f} nodes/s, {n_rels / load_s:,.0f} relationships/s); "
        f"community tallies {tallies_s:.1f}s; generation {gen_s:.1f}s, total {gen_s + load_s + tallies_s:.1f}s"
    )
    return {
        "scale": scale, "seed": seed, "nodes": n_nodes, "relationships": n_rels, "counts": counts,
        "generate_seconds": round(gen_s, 3), "load_seconds": round(load_s, 3), "tallies_seconds": round(tallies_s, 3),
        "elapsed_seconds": round(gen_s + load_s + tallies_s, 3),
        "nodes_per_second": round(n_nodes / load_s) if load_s else None,
        "relationships_per_second": round(n_rels / load_s) if load_s else None,
    }
