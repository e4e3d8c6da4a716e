"""Generate ``data/20_synthetic.yaml``: the synthetic part of the seed network.

The articles name no person and give no dates, scores, hours or list items, so everything here is
synthetic (``synthetic: true``) and deterministic (fixed seed; the same input files always give the
same output). The script reads the hand-written files (``00_``–``14_``) for ids and writes:

* structure the articles only count: 海信社区's nine further partners (``unit:hx-u03`` … ``unit:hx-u11``),
  烟台开发区's other 20 urban communities with their 社区党总支, 红色联盟 merchants and 发展协议,
  partner units (and their party branches) for named communities without a named pairing,
  园区 enterprises, alliance members;
* people: per named community one secretary, two part-time committee members, 5–10 reported
  in-service members and two floating members (one VERIFIED, one REGISTERED); 14 truck drivers;
* the three lists (demands, resources, projects), 三江社区's micro-wishes, claims, service records,
  two-way evaluations, org-level 双报到 and co-building agreements.

Deliberate gaps (domain.md §4.8.3) are listed in ``GAPS`` and kept by construction.

Run: ``.venv/bin/python -m cobuild.seeds.build_synthetic``.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
OUT = DATA / "20_synthetic.yaml"
SEED = 20261123
TODAY = dt.date(2026, 11, 23)  # the reference "today" of the gap queries

GAPS = {
    "community_without_pairing": "area:tf-xinglonghu",
    "pairing_without_2026_evaluation": "pairing:sl-jichanglu-hongying",
    "stale_unclaimed_demand": "demand:gap-stale-unclaimed",
    "cobuilding_unit_without_claimed_project": "unit:hx-u11",
    "park_enterprise_without_party_coverage": "unit:nj-bm-ent-03",
    "resident_unit_not_cobuilding_not_reporting": "unit:sl-zdg-resident-idle",
}

SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"

# Resource categories a partner can offer, by sector (leaf category ids from 00_common.yaml).
SECTOR_CATS = {
    "医疗": ["cat:free-clinic", "cat:medical", "cat:rehab-wellness", "cat:elderly-disabled"],
    "教育": ["cat:parenting", "cat:schooling", "cat:youth-development", "cat:facility-education", "cat:culture-sports"],
    "学前教育": ["cat:early-childhood", "cat:parenting", "cat:facility-education"],
    "酒店": ["cat:food", "cat:elderly-disabled", "cat:facility-service"],
    "餐饮": ["cat:food", "cat:elderly-disabled"],
    "企业": ["cat:employment", "cat:funds", "cat:talent", "cat:appliance-repair", "cat:technology"],
    "机关": ["cat:legal-publicity", "cat:mediation", "cat:policy", "cat:information", "cat:facility-culture-sports"],
}
CAT_TEXT = {
    "cat:free-clinic": ("免费义诊", "为社区老人开展免费义诊和健康体检"),
    "cat:medical": ("就医指导", "提供家庭医生签约和就医绿色通道"),
    "cat:rehab-wellness": ("康养理疗", "开展按摩理疗、康复指导服务"),
    "cat:elderly-disabled": ("助老助残", "为空巢、独居老人和残疾人上门服务"),
    "cat:parenting": ("亲子教育", "举办亲子教育讲座和家庭教育课堂"),
    "cat:schooling": ("课后辅导", "为社区学生提供课后托管和学业辅导"),
    "cat:youth-development": ("青少年发展", "开展青少年成长营和职业体验活动"),
    "cat:facility-education": ("教育设施开放", "错时开放教室、图书馆等教育设施"),
    "cat:culture-sports": ("文体活动", "组织文艺演出、体育健身等文体活动"),
    "cat:early-childhood": ("早教托幼", "提供早教托幼指导和临时托管"),
    "cat:food": ("助餐服务", "为老人提供爱心午餐和送餐上门"),
    "cat:facility-service": ("服务设施开放", "开放会议室、餐厅等服务设施"),
    "cat:employment": ("就业岗位", "发布就业岗位并开展招聘对接"),
    "cat:funds": ("共建资金", "为社区项目提供共建资金支持"),
    "cat:talent": ("专业人才", "选派专业人才参与社区治理"),
    "cat:appliance-repair": ("家电维修", "组织技术骨干开展家电义务维修"),
    "cat:technology": ("技术支持", "为社区智慧治理提供技术支持"),
    "cat:legal-publicity": ("法律宣传", "开展法律宣传和法律咨询"),
    "cat:mediation": ("纠纷调解", "参与邻里纠纷调解"),
    "cat:policy": ("政策宣讲", "开展惠民政策宣讲"),
    "cat:information": ("信息服务", "共享便民服务信息"),
    "cat:facility-culture-sports": ("文体设施开放", "错时开放体育场馆、文化活动室"),
    "cat:housing": ("居家环境改善", "老旧小区居家环境改善"),
    "cat:transport": ("停车出行", "缓解小区停车难"),
    "cat:placemaking": ("社区营造", "共建社区微更新和公共空间营造"),
    "cat:party-affairs": ("党建资源共享", "共享党群服务中心阵地和组织生活资源"),
}
DEMAND_EXTRA = ["cat:housing", "cat:transport", "cat:placemaking", "cat:culture-sports", "cat:mediation"]
CHANNELS = ["互联网+双报到线上报到", "扫码报到", "现场报到"]
CLAIM_MODES = ["ONLINE_ORDER", "DISPATCH", "DESIGNATED", "CLAIM", "DUAL_LEAD"]


# REPORTS_TO's report type (IN_SERVICE / FLOATING_INFLOW / ORGANIZATION) is the property ``reportType``:
# in a seed rel record ``type`` is the relationship type, so the property could not be called that.
REPORTS_TO_TYPE_KEY: str | None = "reportType"


def _rtype(value: str) -> dict[str, str]:
    return {REPORTS_TO_TYPE_KEY: value} if REPORTS_TO_TYPE_KEY else {}


class Out:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.rels: list[dict[str, Any]] = []
        self.ids: set[str] = set()

    def node(self, label: str, id_: str, name: str, source: str = "SYNTHETIC", **props: Any) -> str:
        assert id_ not in self.ids, id_
        self.ids.add(id_)
        rec = {"label": label, "id": id_, "name": name, "source": source, "synthetic": True}
        rec.update({k: v for k, v in props.items() if v is not None})
        self.nodes.append(rec)
        return id_

    def rel(self, type_: str, a: str, b: str, source: str = "SYNTHETIC", **props: Any) -> None:
        rec = {"type": type_, "from": a, "to": b, "source": source}
        rec.update({k: v for k, v in props.items() if v is not None})
        self.rels.append(rec)


def read_existing() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    nodes: dict[str, dict[str, Any]] = {}
    rels: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.yaml")):
        if path.name == OUT.name:
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for n in doc.get("nodes") or []:
            nodes[n["id"]] = n
        rels.extend(doc.get("rels") or [])
    return nodes, rels


def main() -> None:
    rnd = random.Random(SEED)
    nodes, rels = read_existing()
    o = Out()
    o.ids.update(nodes)
    person_no = [0]

    def rdate(a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=rnd.randint(0, (b - a).days))

    def pname() -> str:
        person_no[0] += 1
        return f"{SURNAMES[person_no[0] % len(SURNAMES)]}某某{person_no[0]:03d}"

    def org_of(owner: str) -> str | None:
        for r in rels:
            if r["type"] == "HAS_PARTY_ORG" and r["from"] == owner:
                return r["to"]
        for r in o.rels:
            if r["type"] == "HAS_PARTY_ORG" and r["from"] == owner:
                return r["to"]
        return None

    def sector_key(unit: dict[str, Any]) -> str:
        sector = unit.get("sector", "")
        if sector in SECTOR_CATS:
            return sector
        if unit["unitType"] in ("GOV_AGENCY", "PUBLIC_INSTITUTION"):
            return "机关"
        return "企业"

    # ------------------------------------------------------------------------------------------
    # 1. Structure the articles only count
    # ------------------------------------------------------------------------------------------
    # community id -> list of (pairing id, partner unit id, host actor id); filled as pairings appear
    community_pairings: dict[str, list[tuple[str, str, str]]] = {}
    pairing_since: dict[str, dt.date] = {}
    unit_nodes: dict[str, dict[str, Any]] = {k: v for k, v in nodes.items() if v["label"] == "Unit"}

    # existing named pairings
    parties: dict[str, dict[str, str]] = {}
    for r in rels:
        if r["type"] == "PARTY_TO":
            parties.setdefault(r["to"], {})[r["side"]] = r["from"]
    org_owner = {r["to"]: r["from"] for r in rels if r["type"] == "HAS_PARTY_ORG"}
    for pid, sides in parties.items():
        host, partner = sides["HOST"], sides["PARTNER"]
        host_area = host if host.startswith("area:") else org_owner[host]
        partner_unit = partner if partner.startswith("unit:") else org_owner[partner]
        community_pairings.setdefault(host_area, []).append((pid, partner_unit, host))
        pairing_since[pid] = nodes[pid]["since"]

    def add_unit(uid: str, name: str, unit_type: str, sector: str, community: str, source: str, **extra: Any) -> str:
        o.node("Unit", uid, name, source, unitType=unit_type, sector=sector, isResidentUnit=True, **extra)
        unit_nodes[uid] = {"id": uid, "name": name, "unitType": unit_type, "sector": sector}
        o.rel("LOCATED_IN", uid, community, source, primary=True, confidence="INFERRED")
        return uid

    def add_pairing(pid: str, name: str, host: str, partner: str, source: str, level: str,
                    forms: list[str], since: dt.date, community: str, partner_unit: str) -> str:
        o.node("Pairing", pid, name, source, pairingType="CO_BUILDING", status="ACTIVE", level=level,
               forms=forms, since=since)
        o.rel("PARTY_TO", host, pid, source, side="HOST", joinedAt=since)
        o.rel("PARTY_TO", partner, pid, source, side="PARTNER", joinedAt=since)
        community_pairings.setdefault(community, []).append((pid, partner_unit, host))
        pairing_since[pid] = since
        return pid

    # 1a. 海信社区: nine more partners with 《共驻共建协议书》 (11 in all, F002)
    hx_profiles = [
        ("企业食堂", "NON_PUBLIC_ENTERPRISE", "餐饮"), ("饭店", "NON_PUBLIC_ENTERPRISE", "餐饮"),
        ("饭店", "NON_PUBLIC_ENTERPRISE", "餐饮"), ("帮扶企业", "NON_PUBLIC_ENTERPRISE", "企业"),
        ("帮扶企业", "NON_PUBLIC_ENTERPRISE", "企业"), ("帮扶企业", "NON_PUBLIC_ENTERPRISE", "企业"),
        ("帮扶企业", "NON_PUBLIC_ENTERPRISE", "企业"), ("学校", "PUBLIC_INSTITUTION", "教育"),
        ("事业单位", "PUBLIC_INSTITUTION", "机关"),
    ]
    for i, (kind, utype, sector) in enumerate(hx_profiles, start=3):
        uid = f"unit:hx-u{i:02d}"
        add_unit(uid, f"海信社区共建单位{i:02d}·{kind}(合成)", utype, sector, "area:yt-haixin", "F002")
        since = rdate(dt.date(2016, 1, 1), dt.date(2019, 9, 30))
        pid = add_pairing(f"pairing:yt-haixin-hx-u{i:02d}", f"海信社区—共建单位{i:02d}(合成)", "area:yt-haixin", uid,
                          "F002", "COMMUNITY", ["RESOURCE_SHARING", "SERVICE_JOINT"], since, "area:yt-haixin", uid)
        aid = o.node("Agreement", f"agreement:yt-haixin-hx-u{i:02d}", f"海信社区与共建单位{i:02d}《共驻共建协议书》(合成)", "F002",
                     agreementType="CO_RESIDENCE_CO_BUILDING", status="IN_FORCE", scope=["RESOURCE_SHARING", "SERVICE_JOINT"],
                     responsibilities=["认领社区难题项目", "参与社区志愿服务"], signedAt=since)
        o.rel("SIGNED", "area:yt-haixin", aid, "F002", role="PARTY_A", signedAt=since)
        o.rel("SIGNED", uid, aid, "F002", role="PARTY_B", signedAt=since)
        o.rel("FORMALIZES", aid, pid, "F002")

    # 1b. 烟台开发区: 4 streets + 1 town, 20 more urban communities, 21 社区党总支, 红色联盟 merchants
    yt_streets = []
    for i in range(1, 6):
        is_town = i == 5
        sid = o.node("AdminArea", f"area:yt-street-{i}", f"烟台开发区{'镇' if is_town else '街道'}{i}(合成)", "F002",
                     level="TOWN" if is_town else "STREET")
        o.rel("PART_OF", sid, "area:yantai-kfq", "F002", confidence="INFERRED", quote="辖4个街道1个镇,206个村居社区",
              basis="synthetic stand-in for one of the 4 streets and 1 town the article counts for 烟台开发区 without naming them")
        sorg = o.node("PartyOrganization", f"org:yt-street-{i}-wc", f"烟台开发区{'镇' if is_town else '街道'}{i}党(工)委(合成)", "F002",
                      orgType="COMMITTEE" if is_town else "WORKING_COMMITTEE")
        o.rel("HAS_PARTY_ORG", sid, sorg, "F002")
        o.rel("SUBORDINATE_TO", sorg, "org:yt-working-committee", "F002", kind="LEADERSHIP")
        corg = o.node("PartyOrganization", f"org:yt-street-{i}-comprehensive", f"烟台开发区{'镇' if is_town else '街道'}{i}综合党委(合成)", "F002",
                      orgType="COMPREHENSIVE_COMMITTEE")
        o.rel("SUBORDINATE_TO", corg, sorg, "F002", kind="LEADERSHIP")
        if not is_town:
            yt_streets.append((sid, sorg))
    o.rel("SUBORDINATE_TO", "org:yt-haixin-general-branch", "org:yt-working-committee", "F002", kind="LEADERSHIP")
    yt_communities = [("area:yt-haixin", "org:yt-haixin-general-branch", "海信社区")]
    for i in range(2, 22):
        sid, sorg = yt_streets[(i - 2) % len(yt_streets)]
        cname = f"烟台开发区城市社区{i:02d}(合成)"
        cid = o.node("AdminArea", f"area:yt-c{i:02d}", cname, "F002", level="COMMUNITY", communityType="URBAN")
        o.rel("PART_OF", cid, sid, "F002", confidence="INFERRED", quote="其中城市社区21个",
              basis="synthetic stand-in for one of the 21 urban communities the article counts without naming them; "
                    "spread evenly over the synthetic streets")
        gb = o.node("PartyOrganization", f"org:yt-c{i:02d}-general-branch", f"{cname[:-4]}党总支(合成)", "F002",
                    orgType="GENERAL_BRANCH", subType="社区党总支")
        o.rel("HAS_PARTY_ORG", cid, gb, "F002")
        o.rel("SUBORDINATE_TO", gb, sorg, "F002", kind="LEADERSHIP")
        yt_communities.append((cid, gb, cname))
    merchant_kinds = ["餐饮", "超市", "理发", "药店", "洗衣", "水果", "五金", "茶叶"]
    for idx, (cid, gb, cname) in enumerate(yt_communities, start=1):
        slug = cid.split(":", 1)[1]
        n = rnd.randint(3, 5)
        signed = rdate(dt.date(2018, 3, 1), dt.date(2019, 9, 30))
        merchants = []
        for j in range(1, n + 1):
            kind = rnd.choice(merchant_kinds)
            mid = add_unit(f"unit:{slug}-m{j:02d}", f"红色联盟商户·{cname.replace('(合成)', '')}·{kind}{j:02d}(合成)",
                           "MERCHANT", kind, cid, "F002", ownership="PRIVATE")
            o.rel("BELONGS_TO", mid, "alliance:yt-red-alliance", "F002", role="MEMBER", joinedAt=signed)
            merchants.append(mid)
        aid = o.node("Agreement", f"agreement:{slug}-development", f"{cname.replace('(合成)', '')}党总支与联盟商户“发展协议”", "F002",
                     agreementType="DEVELOPMENT", status="IN_FORCE", scope=["RESOURCE_SHARING"],
                     responsibilities=["依据社区党组织认定的党员积分发放红色动力双赢卡", "为持卡党员提供折扣服务"], signedAt=signed)
        o.rel("SIGNED", gb, aid, "F002", role="PARTY_A", signedAt=signed)
        for mid in merchants:
            o.rel("SIGNED", mid, aid, "F002", role="PARTY_B", signedAt=signed)
        o.rel("UNDER", aid, "alliance:yt-red-alliance", "F002")
        if cid == "area:yt-haixin":
            continue  # 海信社区 keeps exactly its 11 co-building units; its merchants only sign the 发展协议
        pid = o.node("Pairing", f"pairing:{slug}-red-alliance", f"{cname.replace('(合成)', '')}党总支—红色联盟商户", "F002",
                     pairingType="CO_BUILDING", status="ACTIVE", level="COMMUNITY", forms=["RESOURCE_SHARING"], since=signed)
        o.rel("PARTY_TO", gb, pid, "F002", side="HOST", joinedAt=signed)
        for mid in merchants:
            o.rel("PARTY_TO", mid, pid, "F002", side="PARTNER", joinedAt=signed)
            community_pairings.setdefault(cid, []).append((pid, mid, gb))
        pairing_since[pid] = signed
        o.rel("FORMALIZES", aid, pid, "F002")

    # 1c. 双流 / 天府 named communities: synthetic partner units so every named community has some
    extra_partners = {
        "area:sl-zidongge": [("双流区机关单位(紫东阁共建,合成)", "GOV_AGENCY", "机关")],
        "area:sl-sanjiang": [("双流区企业(三江共建,合成)", "NON_PUBLIC_ENTERPRISE", "企业")],
        "area:sl-jichanglu": [("双流区事业单位(机场路共建,合成)", "PUBLIC_INSTITUTION", "机关")],
        "area:sl-baijia": [("双流区学校(白家共建,合成)", "PUBLIC_INSTITUTION", "教育"), ("双流区企业(白家共建,合成)", "NON_PUBLIC_ENTERPRISE", "企业")],
        "area:sl-lianhua": [("双流区医院(莲花共建,合成)", "PUBLIC_INSTITUTION", "医疗"), ("双流区国有企业(莲花共建,合成)", "SOE", "企业")],
        "area:sl-nanliu": [("双流区机关单位(楠柳共建,合成)", "GOV_AGENCY", "机关"), ("双流区酒店(楠柳共建,合成)", "NON_PUBLIC_ENTERPRISE", "酒店")],
        "area:sl-caoping": [("双流区学校(草坪共建,合成)", "PUBLIC_INSTITUTION", "教育"), ("双流区企业(草坪共建,合成)", "NON_PUBLIC_ENTERPRISE", "企业")],
        "area:sl-changxing": [("双流区幼儿园(长兴共建,合成)", "PUBLIC_INSTITUTION", "学前教育"), ("双流区医院(长兴共建,合成)", "PUBLIC_INSTITUTION", "医疗")],
    }
    for cid, partners in extra_partners.items():
        slug = cid.split(":", 1)[1]
        cname = nodes[cid]["name"]
        for j, (uname, utype, sector) in enumerate(partners, start=1):
            uid = add_unit(f"unit:{slug}-p{j:02d}", uname, utype, sector, cid, "F001",
                           ownership={"GOV_AGENCY": "STATE", "SOE": "STATE", "PUBLIC_INSTITUTION": "PUBLIC_INSTITUTION"}.get(utype, "PRIVATE"))
            since = rdate(dt.date(2017, 1, 1), dt.date(2019, 2, 28))
            add_pairing(f"pairing:{slug}-p{j:02d}", f"{cname}—{uname}", cid, uid, "F001", "COMMUNITY",
                        ["ORG_JOINT_BUILDING", "ACTIVITY_JOINT", "RESOURCE_SHARING"], since, cid, uid)

    # 共商结对共建责任(协议)书 for 双流 community pairings (the compound pairing stays informal)
    for cid, plist in sorted(community_pairings.items()):
        if not cid.startswith("area:sl-"):
            continue
        for pid, uid, host in plist:
            since = pairing_since[pid]
            aid = o.node("Agreement", "agreement:" + pid.split(":", 1)[1], f"{nodes[cid]['name']}共商结对共建责任(协议)书(合成)", "F001",
                         agreementType="PAIRING_RESPONSIBILITY", status="IN_FORCE",
                         scope=["ORG_JOINT_BUILDING", "ACTIVITY_JOINT", "RESOURCE_SHARING"],
                         responsibilities=["需求双向对接", "项目双向认领"], signedAt=since, effectiveTo=dt.date(2027, 12, 31))
            o.rel("SIGNED", cid, aid, "F001", role="PARTY_A", signedAt=since)
            o.rel("SIGNED", uid, aid, "F001", role="PARTY_B", signedAt=since)
            o.rel("FORMALIZES", aid, pid, "F001")

    # 1d. 兴隆湖社区 (the community without any pairing): two resident units that report but do not pair
    xlh_units = [
        add_unit("unit:tf-xlh-r01", "兴隆湖社区驻区企业01(合成)", "NON_PUBLIC_ENTERPRISE", "企业", "area:tf-xinglonghu", "F000", ownership="PRIVATE"),
        add_unit("unit:tf-xlh-r02", "兴隆湖社区驻区事业单位02(合成)", "PUBLIC_INSTITUTION", "机关", "area:tf-xinglonghu", "F000"),
    ]
    # the resident unit that neither co-builds nor reports (gap)
    idle = add_unit(GAPS["resident_unit_not_cobuilding_not_reporting"], "紫东阁社区驻区企业(未共建未报到,合成)",
                    "NON_PUBLIC_ENTERPRISE", "企业", "area:sl-zidongge", "F001", ownership="PRIVATE", partyCoverageStatus="INDEPENDENT")

    # 1e. party branches for partner and resident units that have none
    region_top = {"area:sl-": "org:sl-district-committee", "area:yt-": "org:yt-two-new-committee", "area:tf-": "org:tf-working-committee"}
    unit_home: dict[str, str] = {}
    for r in rels + o.rels:
        if r["type"] == "LOCATED_IN" and r["from"].startswith("unit:") and r.get("primary"):
            unit_home[r["from"]] = r["to"]
    needs_org = sorted({uid for plist in community_pairings.values() for _, uid, _ in plist} | set(xlh_units) | {idle})
    for uid in needs_org:
        u = unit_nodes[uid]
        if org_of(uid) or u["unitType"] == "MERCHANT":
            continue
        oid = o.node("PartyOrganization", "org:" + uid.split(":", 1)[1] + "-branch", f"{u['name'].replace('(合成)', '')}党支部(合成)",
                     orgType="BRANCH", formationMode="BUILD", independent=True)
        o.rel("HAS_PARTY_ORG", uid, oid)
        o.rel("COVERS", oid, uid, mode="BUILD")
        home = unit_home.get(uid, "")
        sup = next((v for k, v in region_top.items() if home.startswith(k)), "org:sl-district-committee")
        if uid in unit_nodes and unit_nodes[uid]["unitType"] in ("GOV_AGENCY", "PUBLIC_INSTITUTION") and sup == "org:yt-two-new-committee":
            sup = "org:yt-working-committee"
        o.rel("SUBORDINATE_TO", oid, sup, kind="LEADERSHIP")

    # 1f. 园区 enterprises: 内江 白马园区电子信息产业园 (one without coverage), freight firms, 高新区 park
    for j in (1, 2, 3):
        uid = f"unit:nj-bm-ent-{j:02d}"
        covered = j != 3
        o.node("Unit", uid, f"白马园区电子信息企业{j:02d}(合成)", "F003", unitType="NON_PUBLIC_ENTERPRISE", ownership="PRIVATE",
               sector="电子信息", scaleTags=["规上"] if j == 1 else ["小微"],
               partyCoverageStatus="COVERED_BY_JOINT" if covered else "NONE")
        o.rel("LOCATED_IN", uid, "zone:nj-baima-electronic", "F003", primary=True, confidence="STATED")
        if covered:
            o.rel("COVERS", "org:nj-tech-comprehensive", uid, "F003", mode="JOINT")
    for j in (1, 2):
        uid = f"unit:nj-freight-{j:02d}"
        o.node("Unit", uid, f"内江高新区货运企业{j:02d}(合成)", "F003", unitType="NON_PUBLIC_ENTERPRISE", ownership="PRIVATE",
               sector="货运", partyCoverageStatus="COVERED_BY_JOINT")
        o.rel("LOCATED_IN", uid, "area:nj-gaoxin", "F003", primary=True, confidence="INFERRED")
        o.rel("COVERS", "org:nj-freight-joint-branch", uid, "F003", mode="JOINT")
    for j, tier in ((1, "GAZELLE"), (2, "SEED_EAGLET"), (3, "UNICORN")):
        uid = f"unit:gx-park01-ent-{j:02d}"
        o.node("Unit", uid, f"高新区园区企业{j:02d}(合成)", "F000", unitType="NON_PUBLIC_ENTERPRISE", ownership="PRIVATE",
               sector="大数据" if j == 1 else "跨境电商" if j == 2 else "生物医药", growthTier=tier,
               scaleTags=["专精特新"] if j == 1 else None, partyCoverageStatus="COVERED_BY_JOINT")
        o.rel("LOCATED_IN", uid, "zone:gx-park-01", "F000", primary=True, confidence="STATED")
        o.rel("COVERS", "org:gx-park-01-comprehensive", uid, "F000", mode="JOINT")
        o.rel("BELONGS_TO", uid, "alliance:gx-yiqi-zhuqi", "F000", role="MEMBER", joinedAt=rdate(dt.date(2020, 1, 1), dt.date(2021, 12, 31)))
    o.rel("BELONGS_TO", "unit:gx-park01-ent-01", "alliance:gx-chain-bigdata", "F000", role="MEMBER", joinedAt=dt.date(2021, 3, 18))
    o.rel("BELONGS_TO", "unit:gx-park01-ent-02", "alliance:gx-chain-cbec", "F000", role="MEMBER", joinedAt=dt.date(2021, 4, 9))
    o.rel("BELONGS_TO", "org:gx-park-01-comprehensive", "alliance:gx-yiqi-zhuqi", "F000", role="LEAD", joinedAt=dt.date(2020, 1, 1))
    # 红海棠 alliance: 国有企业 + “两新”组织 (F001)
    for j, (nm, ut) in enumerate((("双流区国有企业(红海棠,合成)", "SOE"), ("双流区“两新”组织(红海棠,合成)", "SOCIAL_ORG")), start=1):
        uid = f"unit:sl-hht-{j:02d}"
        o.node("Unit", uid, nm, "F001", unitType=ut, ownership="STATE" if ut == "SOE" else "NGO", sector="企业" if ut == "SOE" else "社会服务")
        o.rel("LOCATED_IN", uid, "area:shuangliu", "F001", primary=True, confidence="INFERRED")
        o.rel("BELONGS_TO", uid, "alliance:sl-pioneer-service", "F001", role="LEAD" if j == 1 else "MEMBER", joinedAt=dt.date(2018, 7, 1))
    o.rel("BELONGS_TO", "unit:sl-lianhua-p02", "alliance:sl-pioneer-service", "F001", role="MEMBER", joinedAt=dt.date(2018, 9, 1))
    # 张掖 党建联盟 members: a property company and a merchant (F004)
    for j, (nm, ut, sector) in enumerate((("张掖市物业企业01(合成)", "PROPERTY_MGMT", "物业"), ("张掖市个体工商户01(合成)", "MERCHANT", "餐饮")), start=1):
        uid = f"unit:zy-alliance-m{j:02d}"
        o.node("Unit", uid, nm, "F004", unitType=ut, ownership="PRIVATE", sector=sector)
        o.rel("LOCATED_IN", uid, "zone:zy-commercial-block-01", "F004", primary=True, confidence="STATED")
        o.rel("BELONGS_TO", uid, "alliance:zy-party-alliance", "F004", role="MEMBER", joinedAt=dt.date(2020, 5, 1))

    # org-level 双报到: every partner/resident unit's party org reports to its community (except the gap)
    comm_org = {c: org_of(c) for c in community_pairings} | {"area:tf-xinglonghu": "org:tf-xinglonghu-committee"}
    comm_org["area:sl-huayangnian"] = "org:sl-huayangnian-branch"
    reported_pairs = set()
    for cid, plist in sorted(community_pairings.items()):
        for _, uid, _ in plist:
            uorg = org_of(uid)
            if uorg and (uorg, comm_org[cid]) not in reported_pairs:
                reported_pairs.add((uorg, comm_org[cid]))
                o.rel("REPORTS_TO", uorg, comm_org[cid], **_rtype("ORGANIZATION"), reportedAt=rdate(dt.date(2019, 1, 1), dt.date(2024, 12, 31)),
                      channel=rnd.choice(CHANNELS), status="ACTIVE")
    for uid in xlh_units:
        o.rel("REPORTS_TO", org_of(uid), "org:tf-xinglonghu-committee", **_rtype("ORGANIZATION"),
              reportedAt=rdate(dt.date(2021, 1, 1), dt.date(2024, 12, 31)), channel="一码通扫码", status="ACTIVE")

    # ------------------------------------------------------------------------------------------
    # 2. People
    # ------------------------------------------------------------------------------------------
    named = [nid for nid, n in nodes.items() if n["label"] == "AdminArea" and n.get("level") == "COMMUNITY" and not n.get("synthetic")]
    src_of = {"area:sl-": "F001", "area:tf-": "F000", "area:yt-": "F002"}
    reported_members: dict[str, list[str]] = {}
    for cid in named:
        slug = cid.split(":", 1)[1]
        corg = comm_org.get(cid) or org_of(cid)
        src = next(v for k, v in src_of.items() if cid.startswith(k))
        partner_units = [uid for _, uid, _ in community_pairings.get(cid, []) if unit_nodes[uid]["unitType"] != "MERCHANT"]
        if not partner_units:
            partner_units = xlh_units if cid == "area:tf-xinglonghu" else []
        # secretary
        sec = o.node("Person", f"person:{slug}-sec", pname(), src, roles=["PARTY_MEMBER", "COMMUNITY_WORKER"],
                     memberCategory="RESIDENT", membershipStatus="FULL", occupation="社区党组织书记")
        o.rel("HOLDS_POSITION", sec, corg, src, role="SECRETARY", since=rdate(dt.date(2016, 1, 1), dt.date(2021, 12, 31)))
        o.rel("MEMBER_OF", sec, corg, src, status="FULL", since=rdate(dt.date(2005, 1, 1), dt.date(2015, 12, 31)))
        if nodes[cid].get("demoStatus") == "DISTRICT_DEMO":  # 示范社区党组织“第一书记” (F001)
            fs = o.node("Person", f"person:{slug}-first-sec", pname(), src, roles=["PARTY_MEMBER", "SOCIAL_WORKER"],
                        memberCategory="IN_SERVICE", membershipStatus="FULL", occupation="专业社工人才")
            o.rel("HOLDS_POSITION", fs, corg, src, role="FIRST_SECRETARY", concurrent=True, since=dt.date(2018, 6, 1))
        # two part-time committee members from partner units
        for k in (1, 2):
            uid = partner_units[(k - 1) % len(partner_units)]
            p = o.node("Person", f"person:{slug}-ptc{k}", pname(), src, roles=["PARTY_MEMBER"], memberCategory="IN_SERVICE",
                       membershipStatus="FULL", occupation="驻区单位党组织负责人")
            o.rel("HOLDS_POSITION", p, corg, src, role="PART_TIME_COMMITTEE_MEMBER", concurrent=True, representsUnitId=uid,
                  since=rdate(dt.date(2018, 1, 1), dt.date(2023, 12, 31)))
            o.rel("EMPLOYED_BY", p, uid, src, title="党组织负责人")
            o.rel("MEMBER_OF", p, org_of(uid) or corg, src, status="FULL")
        # in-service members reporting to the community
        reported_members[cid] = []
        for k in range(1, rnd.randint(5, 10) + 1):
            uid = partner_units[rnd.randrange(len(partner_units))]
            sector = unit_nodes[uid].get("sector", "")
            skills = {"医疗": ["义诊", "健康咨询"], "教育": ["课业辅导", "亲子教育"], "学前教育": ["早教"], "机关": ["法律宣传", "政策宣讲"],
                      "酒店": ["助餐"], "餐饮": ["助餐"]}.get(sector, ["家电维修", "就业指导"])
            p = o.node("Person", f"person:{slug}-m{k:02d}", pname(), src, roles=["PARTY_MEMBER", "VOLUNTEER"], memberCategory="IN_SERVICE",
                       membershipStatus="FULL" if k % 6 else "PROBATIONARY", skills=skills)
            o.rel("EMPLOYED_BY", p, uid, src)
            o.rel("MEMBER_OF", p, org_of(uid) or corg, src, status="FULL" if k % 6 else "PROBATIONARY")
            o.rel("REPORTS_TO", p, corg, src, **_rtype("IN_SERVICE"), reportedAt=rdate(dt.date(2019, 1, 1), dt.date(2026, 10, 31)),
                  status="ACTIVE", channel=rnd.choice(CHANNELS))
            reported_members[cid].append(p)
        # two floating members: one verified, one only registered
        for k, status in ((1, "VERIFIED"), (2, "REGISTERED")):
            p = o.node("Person", f"person:{slug}-f{k}", pname(), src, roles=["PARTY_MEMBER"], memberCategory="FLOATING",
                       membershipStatus="FULL", occupation=rnd.choice(["快递员", "网约车司机", "外卖骑手", "个体经营者"]))
            o.rel("REPORTS_TO", p, corg, src, **_rtype("FLOATING_INFLOW"), reportedAt=rdate(dt.date(2025, 6, 1), dt.date(2026, 11, 1)),
                  status=status, channel="一码通扫码" if src == "F000" else "扫码报到")
            if status == "VERIFIED":
                reported_members[cid].append(p)
    # 14 truck drivers back in the floating-member branch (F003)
    for k in range(1, 15):
        p = o.node("Person", f"person:nj-truck-driver-{k:02d}", pname(), "F003", roles=["PARTY_MEMBER"], memberCategory="FLOATING",
                   membershipStatus="FULL", occupation="货车司机")
        o.rel("MEMBER_OF", p, "org:nj-truck-driver-branch", "F003", status="FULL", since=rdate(dt.date(2023, 1, 1), dt.date(2025, 6, 30)))

    # ------------------------------------------------------------------------------------------
    # 3. Resources, demands, projects, claims
    # ------------------------------------------------------------------------------------------
    unit_resources: dict[str, list[tuple[str, str]]] = {}
    all_partner_units = sorted({uid for plist in community_pairings.values() for _, uid, _ in plist
                                if unit_nodes[uid]["unitType"] != "MERCHANT"} | set(xlh_units))
    for uid in all_partner_units:
        cats = SECTOR_CATS[sector_key(unit_nodes[uid])]
        chosen = rnd.sample(cats, k=min(len(cats), rnd.randint(2, 3)))
        unit_resources[uid] = []
        for j, cat in enumerate(chosen, start=1):
            title, text = CAT_TEXT[cat]
            rid = o.node("Resource", f"resource:{uid.split(':', 1)[1]}-r{j}", f"{title}({unit_nodes[uid]['name']})",
                         description=text, capacity=rnd.choice(["每月1次", "每季度2次", "每周半天", "按需"]),
                         schedule=rnd.choice(["工作日", "周末", "错时开放"]))
            o.rel("OFFERS", uid, rid, since=rdate(dt.date(2022, 1, 1), dt.date(2025, 12, 31)))
            o.rel("IN_CATEGORY", rid, cat)
            unit_resources[uid].append((rid, cat))
    # communities offer party-building resources to units (two-way service, F004)
    for cid in named:
        rid = o.node("Resource", f"resource:{cid.split(':', 1)[1]}-party", f"党建资源共享({nodes[cid]['name']})",
                     description=CAT_TEXT["cat:party-affairs"][1], capacity="按需", schedule="错时开放")
        o.rel("OFFERS", cid, rid, since=dt.date(2022, 1, 1))
        o.rel("IN_CATEGORY", rid, "cat:party-affairs")

    demands: dict[str, list[dict[str, Any]]] = {}
    publishers = named + ["area:sl-huayangnian"]
    for cid in publishers:
        slug = cid.split(":", 1)[1]
        offered = sorted({cat for _, uid, _ in community_pairings.get(cid, []) for _, cat in unit_resources.get(uid, [])})
        n = 2 if cid == "area:sl-huayangnian" else rnd.randint(4, 6)
        demands[cid] = []
        for k in range(1, n + 1):
            pool = offered if offered and rnd.random() < 0.75 else DEMAND_EXTRA
            cat = "cat:free-clinic" if cid == "area:sl-huayangnian" and k == 1 else rnd.choice(pool)
            title, text = CAT_TEXT[cat]
            pub = rdate(dt.date(2025, 1, 1), dt.date(2026, 11, 20))
            d = {"id": f"demand:{slug}-d{k:02d}", "cat": cat, "title": f"{nodes[cid]['name']}{title}需求", "text": text,
                 "publishedAt": pub, "status": "PUBLISHED", "claim": None}
            demands[cid].append(d)

    projects = []
    for cid, plist in sorted(community_pairings.items()):
        if cid not in demands:
            continue
        for pid, uid, host in plist:
            if uid == GAPS["cobuilding_unit_without_claimed_project"] or unit_nodes[uid]["unitType"] == "MERCHANT":
                continue
            res = unit_resources.get(uid, [])
            for _ in range(rnd.randint(1, 2)):
                open_d = [d for d in demands[cid] if d["claim"] is None and any(c == d["cat"] for _, c in res)]
                if not open_d:
                    # publish a matching demand so the project answers a real need
                    rid, cat = res[rnd.randrange(len(res))]
                    title, text = CAT_TEXT[cat]
                    d = {"id": f"demand:{cid.split(':', 1)[1]}-d{len(demands[cid]) + 1:02d}", "cat": cat,
                         "title": f"{nodes[cid]['name']}{title}需求", "text": text,
                         "publishedAt": rdate(dt.date(2025, 1, 1), dt.date(2026, 6, 30)), "status": "PUBLISHED", "claim": None}
                    demands[cid].append(d)
                    open_d = [d]
                d = open_d[rnd.randrange(len(open_d))]
                d["claim"] = uid
                claimed = d["publishedAt"] + dt.timedelta(days=rnd.randint(2, 20))
                if claimed > TODAY - dt.timedelta(days=1):
                    claimed = TODAY - dt.timedelta(days=1)
                status = rnd.choice(["CLAIMED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED", "EVALUATED"])
                completed = None
                if status in ("COMPLETED", "EVALUATED"):
                    completed = min(claimed + dt.timedelta(days=rnd.randint(15, 90)), TODAY - dt.timedelta(days=1))
                d["status"] = {"CLAIMED": "CLAIMED", "IN_PROGRESS": "IN_PROGRESS"}.get(status, "COMPLETED")
                d["claimedAt"], d["completedAt"] = claimed, completed
                rid = next(r for r, c in res if c == d["cat"])
                title = CAT_TEXT[d["cat"]][0]
                prj = o.node("Project", f"project:{pid.split(':', 1)[1]}-{len([p for p in projects if p['pairing'] == pid]) + 1}",
                             f"{title}共建项目({unit_nodes[uid]['name']}→{nodes[cid]['name']})", status=status,
                             direction="COMMUNITY", description=d["text"], year=claimed.year, startedAt=claimed, completedAt=completed)
                projects.append({"id": prj, "pairing": pid, "cid": cid, "uid": uid, "status": status, "claimed": claimed})
                o.rel("UNDER", prj, pid)
                o.rel("ADDRESSES", prj, d["id"])
                o.rel("USES", prj, rid)
                o.rel("IN_CATEGORY", prj, d["cat"])
                mode = rnd.choice(CLAIM_MODES)
                done = completed is not None
                o.rel("CLAIMED", uid, prj, claimedAt=claimed, mode=mode, role="LEAD", status="COMPLETED" if done else "ACTIVE", completedAt=completed)
                d["mode"] = mode
                if cid == "area:yt-haixin" and uid == "unit:hx-u03":
                    o.rel("PART_OF_PROGRAM", prj, "program:yt-warm-lunch", "F002")
                if cid == "area:yt-haixin" and pid in ("pairing:yt-haixin-kunlunshan", "pairing:yt-haixin-huaan"):
                    o.rel("PART_OF_PROGRAM", prj, "program:yt-one-plus-one", "F002")

    # the stale, unclaimed demand (gap): published well over 30 days before TODAY
    demands["area:sl-baijia"].append({"id": GAPS["stale_unclaimed_demand"], "cat": "cat:transport", "title": "白家社区小区停车难改善需求",
                                      "text": "小区停车位不足,希望驻区单位错时开放停车场", "publishedAt": dt.date(2026, 8, 18),
                                      "status": "PUBLISHED", "claim": None})
    # unclaimed demands are recent (published in the last 30 days) or have expired, so that the
    # stale-unclaimed gap stands out
    for cid, dl in demands.items():
        for d in dl:
            if d["claim"] is None and d["id"] != GAPS["stale_unclaimed_demand"] and (TODAY - d["publishedAt"]).days > 30:
                if d["publishedAt"] < dt.date(2026, 8, 1) and rnd.random() < 0.3:
                    d["status"] = "EXPIRED"
                else:
                    d["publishedAt"] = rdate(TODAY - dt.timedelta(days=28), TODAY - dt.timedelta(days=2))
    for cid, dl in demands.items():
        for d in dl:
            o.node("Demand", d["id"], d["title"], status=d["status"], description=d["text"], publishedAt=d["publishedAt"],
                   deadline=d["publishedAt"] + dt.timedelta(days=90))
            o.rel("PUBLISHES", cid, d["id"], publishedAt=d["publishedAt"])
            o.rel("IN_CATEGORY", d["id"], d["cat"])
            if d["claim"]:
                o.rel("CLAIMED", d["claim"], d["id"], claimedAt=d["claimedAt"], mode=d["mode"], role="LEAD",
                      status="COMPLETED" if d["completedAt"] else "ACTIVE", completedAt=d["completedAt"])

    # 三江社区 micro-wishes (心愿墙、心愿树、心愿卡, F001)
    wish_texts = [("一套课外读物", "cat:schooling"), ("一次免费体检", "cat:free-clinic"), ("修好家里的旧电视", "cat:appliance-repair"),
                  ("一副老花镜", "cat:elderly-disabled"), ("学会用智能手机", "cat:information"), ("一个书包和文具", "cat:schooling"),
                  ("一次家庭合影", "cat:culture-sports"), ("一台电风扇", "cat:appliance-repair"), ("一次法律咨询", "cat:legal-publicity"),
                  ("一辆助行车", "cat:elderly-disabled"), ("一次亲子活动", "cat:parenting"), ("一份营养午餐", "cat:food")]
    sj_members = reported_members["area:sl-sanjiang"]
    wishes = []
    for k, (text, cat) in enumerate(wish_texts, start=1):
        status = ["COLLECTED", "PUBLICIZED", "CLAIMED", "FULFILLED", "FULFILLED", "FULFILLED"][k % 6]
        pub = rdate(dt.date(2025, 3, 1), dt.date(2026, 11, 10))
        wid = o.node("MicroWish", f"wish:sl-sanjiang-{k:02d}", f"微心愿:{text}", "F001", status=status,
                     publishedAt=None if status == "COLLECTED" else pub)
        o.rel("PUBLISHES", "area:sl-sanjiang", wid, "F001", publishedAt=pub)
        o.rel("IN_CATEGORY", wid, cat)
        if status in ("CLAIMED", "FULFILLED"):
            claimant = "unit:sl-sccu" if k % 2 else sj_members[k % len(sj_members)]
            claimed = min(pub + dt.timedelta(days=rnd.randint(1, 14)), TODAY - dt.timedelta(days=1))
            done = min(claimed + dt.timedelta(days=rnd.randint(3, 30)), TODAY - dt.timedelta(days=1)) if status == "FULFILLED" else None
            o.rel("CLAIMED", claimant, wid, "F001", claimedAt=claimed, mode="CLAIM", role="LEAD",
                  status="COMPLETED" if done else "ACTIVE", completedAt=done)
            wishes.append((wid, cat, done or claimed))

    # ------------------------------------------------------------------------------------------
    # 4. Service records (报到服务 / 志愿服务)
    # ------------------------------------------------------------------------------------------
    venues_at: dict[str, list[str]] = {}
    for r in rels:
        if r["type"] == "LOCATED_IN" and r["from"].startswith("venue:") and r["to"] in named:
            venues_at.setdefault(r["to"], []).append(r["from"])
    service_cats = ["cat:free-clinic", "cat:parenting", "cat:mediation", "cat:legal-publicity", "cat:appliance-repair",
                    "cat:elderly-disabled", "cat:culture-sports", "cat:placemaking", "cat:community-governance"]
    proj_by_c: dict[str, list[str]] = {}
    for p in projects:
        proj_by_c.setdefault(p["cid"], []).append(p["id"])
    sno = 0
    for cid in named:
        for pid in reported_members[cid]:
            for _ in range(rnd.randint(1, 3)):
                sno += 1
                hours = rnd.choice([1, 1.5, 2, 2.5, 3, 3.5, 4])
                date = rdate(dt.date(2025, 1, 1), dt.date(2026, 11, 15))
                cat = rnd.choice(service_cats)
                sid = o.node("ServiceRecord", f"service:{sno:04d}", f"{CAT_TEXT.get(cat, (cat,))[0] if cat in CAT_TEXT else '社区服务'}志愿服务",
                             date=date, hours=float(hours), points=int(hours * 10), description="在职党员到社区报到服务")
                o.rel("PERFORMED", pid, sid)
                place = venues_at.get(cid)
                o.rel("AT", sid, place[0] if place and rnd.random() < 0.4 else cid)
                o.rel("IN_CATEGORY", sid, cat)
                if proj_by_c.get(cid) and rnd.random() < 0.35:
                    o.rel("FOR", sid, rnd.choice(proj_by_c[cid]))
    for wid, cat, date in wishes:
        sno += 1
        sid = o.node("ServiceRecord", f"service:{sno:04d}", "微心愿认领服务", "F001", date=date, hours=1.0, points=10,
                     description="认领并满足群众微心愿")
        o.rel("PERFORMED", sj_members[sno % len(sj_members)], sid, "F001")
        o.rel("AT", sid, "area:sl-sanjiang", "F001")
        o.rel("IN_CATEGORY", sid, cat)
        o.rel("FOR", sid, wid, "F001")

    # ------------------------------------------------------------------------------------------
    # 5. Two-way evaluations (共驻共建双向评议)
    # ------------------------------------------------------------------------------------------
    eno = 0
    seen_eval_pairings: set[tuple[str, str]] = set()
    for cid, plist in sorted(community_pairings.items()):
        for pid, uid, host in plist:
            partner = uid
            if pid == "pairing:sl-huayangnian-chsc":
                partner = "org:sl-chsc-branch"
            if (pid, uid) in seen_eval_pairings:
                continue  # merchant pairings: evaluated once, with their first merchant
            seen_eval_pairings.add((pid, uid))
            if unit_nodes[uid]["unitType"] == "MERCHANT":
                seen_eval_pairings.update((pid, u) for q, u, _ in plist if q == pid)
            years = [2025]
            if pid != GAPS["pairing_without_2026_evaluation"] and rnd.random() < 0.8:
                years.append(2026)
            for year in years:
                for direction, giver, target in (("AREA_TO_UNIT", host, partner), ("UNIT_TO_AREA", partner, host)):
                    eno += 1
                    score = rnd.randint(60, 100)
                    outcome = "OK" if score >= 70 else rnd.choice(["RECTIFY_BY_DEADLINE", "CIRCULATED_CRITICISM"])
                    eid = o.node("Evaluation", f"eval:{pid.split(':', 1)[1]}-{year}-{'a2u' if direction == 'AREA_TO_UNIT' else 'u2a'}",
                                 f"{year}年度共驻共建双向评议({nodes.get(pid, {}).get('name') or pid})",
                                 evaluationType="TWO_WAY_CO_BUILDING", direction=direction, year=year, score=float(score),
                                 satisfactionRate=float(rnd.randint(80, 99)) if direction == "AREA_TO_UNIT" else None,
                                 outcome=outcome, published=True)
                    o.rel("GAVE", giver, eid)
                    o.rel("OF", eid, target)
                    o.rel("ABOUT", eid, pid)

    # ------------------------------------------------------------------------------------------
    write(o)
    print(f"wrote {OUT.name}: {len(o.nodes)} nodes, {len(o.rels)} rels")


def _flow(rec: dict[str, Any]) -> str:
    return yaml.safe_dump(rec, allow_unicode=True, default_flow_style=True, sort_keys=False, width=100000).strip()


def write(o: Out) -> None:
    lines = [
        "# GENERATED by cobuild/seeds/build_synthetic.py — do not edit by hand; re-run the script.",
        "# Every record here is synthetic (synthetic: true); `source` names the article it elaborates or SYNTHETIC.",
        "# Deliberate gaps: " + "; ".join(f"{k}={v}" for k, v in GAPS.items()),
        "nodes:",
    ]
    lines += [f"  - {_flow(n)}" for n in o.nodes]
    lines.append("rels:")
    lines += [f"  - {_flow(r)}" for r in o.rels]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
