"""A small network for the question tests, built through the ordinary upsert path.

街道 S1 has communities C1 (two partners, one through its compound K1), C2 (shares a partner with
C1) and C3 (no pairing at all: the coverage gap). Unit U3 sits in C1 and neither co-builds nor
reports there; U4 sits in C1 but its party org reports to C1's. Alliance AL has U1 (co-builds) and
U3 (does not). Pairing P1 has only an AREA_TO_UNIT evaluation for 2024; P2 has both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cobuild.graph import model, tallies
from cobuild.graph.derive import rederive
from cobuild.graph.upsert import merge_rels, upsert_nodes

D = dt.date


def _full(label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lab = model.label(label)
    return [{k: r.get(k) for k in lab.prop_names} for r in rows]


NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:d", "name": "测试区", "level": "DISTRICT"},
        {"id": "area:s1", "name": "一街道", "level": "STREET"},
        {"id": "area:s2", "name": "二街道", "level": "STREET"},
        {"id": "area:c1", "name": "甲社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:c2", "name": "乙社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:c3", "name": "丙社区", "level": "COMMUNITY", "communityType": "AGRI_RELATED"},
        {"id": "area:c4", "name": "丁社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:k1", "name": "甲一小区", "level": "COMPOUND"},
    ],
    "Unit": [
        {"id": "unit:u1", "name": "第一医院", "unitType": "PUBLIC_INSTITUTION"},
        {"id": "unit:u2", "name": "红缨幼儿园", "unitType": "NON_PUBLIC_ENTERPRISE"},
        {"id": "unit:u3", "name": "某商户", "unitType": "MERCHANT"},
        {"id": "unit:u4", "name": "某银行", "unitType": "FINANCIAL_INSTITUTION"},
        {"id": "unit:u5", "name": "远方公司", "unitType": "SOE"},
    ],
    "PartyOrganization": [
        {"id": "org:c1", "name": "甲社区党委", "orgType": "COMMITTEE"},
        {"id": "org:u4", "name": "某银行党支部", "orgType": "BRANCH"},
    ],
    "Person": [
        {"id": "person:p1", "name": "张三", "roles": ["PARTY_MEMBER"], "phone": "123"},
        {"id": "person:p2", "name": "李四", "roles": ["PARTY_MEMBER"]},
    ],
    "Pairing": [
        {"id": "pairing:p1", "name": "甲社区—第一医院", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2019, 3, 1)},
        {"id": "pairing:p2", "name": "甲一小区—红缨幼儿园", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2020, 5, 1)},
        {"id": "pairing:p3", "name": "乙社区—第一医院", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2021, 1, 1)},
        {"id": "pairing:p4", "name": "丁社区—远方公司", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2021, 1, 1)},
    ],
    "Agreement": [{"id": "agreement:a1", "name": "共建协议", "agreementType": "JOINT_BUILDING", "status": "IN_FORCE"}],
    "Statistic": [{"id": "stat:agr", "name": "协议数", "metric": "agreements_signed", "value": 5.0, "qualifier": "EXACT", "asOf": "2019"}],
    "Category": [{"id": "cat:med", "name": "就医"}],
    "Demand": [
        {"id": "demand:d1", "name": "义诊", "status": "PUBLISHED", "publishedAt": D(2024, 1, 1)},
        {"id": "demand:d2", "name": "托育", "status": "PUBLISHED", "publishedAt": D(2024, 6, 20)},
        {"id": "demand:d3", "name": "已认领", "status": "CLAIMED", "publishedAt": D(2024, 1, 1)},
    ],
    "Resource": [
        {"id": "resource:r1", "name": "医生义诊"},
        {"id": "resource:r2", "name": "银行讲座"},
        {"id": "resource:r5", "name": "远方义诊"},
    ],
    "Project": [{"id": "project:j1", "name": "健康讲座", "status": "COMPLETED", "year": 2024}],
    "Alliance": [{"id": "alliance:al", "name": "红色联盟", "allianceType": "MERCHANT"}],
    "Evaluation": [
        {"id": "eval:e1", "name": "p1 2024 社区评单位", "evaluationType": "TWO_WAY_CO_BUILDING", "direction": "AREA_TO_UNIT", "year": 2024, "score": 92.0},
        {"id": "eval:e2", "name": "p2 2024 社区评单位", "evaluationType": "TWO_WAY_CO_BUILDING", "direction": "AREA_TO_UNIT", "year": 2024, "score": 58.0},
        {"id": "eval:e3", "name": "p2 2024 单位评社区", "evaluationType": "TWO_WAY_CO_BUILDING", "direction": "UNIT_TO_AREA", "year": 2024, "score": 80.0},
    ],
    "ServiceRecord": [
        {"id": "service:s1", "name": "服务1", "date": D(2024, 2, 1), "hours": 2.5},
        {"id": "service:s2", "name": "服务2", "date": D(2024, 3, 1), "hours": 1.5},
    ],
}

RELS: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("PART_OF", "AdminArea", "AdminArea", [
        {"from": "area:s1", "to": "area:d"}, {"from": "area:s2", "to": "area:d"},
        {"from": "area:c1", "to": "area:s1"}, {"from": "area:c2", "to": "area:s1"}, {"from": "area:c3", "to": "area:s1"},
        {"from": "area:c4", "to": "area:s2"}, {"from": "area:k1", "to": "area:c1"}]),
    ("PARTY_TO", "AdminArea", "Pairing", [
        {"from": "area:c1", "to": "pairing:p1", "side": "HOST"}, {"from": "area:k1", "to": "pairing:p2", "side": "HOST"},
        {"from": "area:c2", "to": "pairing:p3", "side": "HOST"}, {"from": "area:c4", "to": "pairing:p4", "side": "HOST"}]),
    ("PARTY_TO", "Unit", "Pairing", [
        {"from": "unit:u1", "to": "pairing:p1", "side": "PARTNER"}, {"from": "unit:u2", "to": "pairing:p2", "side": "PARTNER"},
        {"from": "unit:u1", "to": "pairing:p3", "side": "PARTNER"}, {"from": "unit:u5", "to": "pairing:p4", "side": "PARTNER"}]),
    ("LOCATED_IN", "Unit", "AdminArea", [
        {"from": "unit:u3", "to": "area:c1"}, {"from": "unit:u4", "to": "area:k1"}, {"from": "unit:u1", "to": "area:c2"},
        {"from": "unit:u2", "to": "area:c3"}]),
    ("HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:c1", "to": "org:c1"}]),
    ("HAS_PARTY_ORG", "Unit", "PartyOrganization", [{"from": "unit:u4", "to": "org:u4"}]),
    ("REPORTS_TO", "PartyOrganization", "PartyOrganization", [{"from": "org:u4", "to": "org:c1", "reportType": "ORGANIZATION"}]),
    ("REPORTS_TO", "Person", "PartyOrganization", [
        {"from": "person:p1", "to": "org:c1", "reportType": "IN_SERVICE", "status": "ACTIVE", "reportedAt": D(2024, 1, 5)}]),
    ("HOLDS_POSITION", "Person", "PartyOrganization", [
        {"from": "person:p2", "to": "org:c1", "role": "PART_TIME_COMMITTEE_MEMBER", "representsUnitId": "unit:u1"}]),
    ("PERFORMED", "Person", "ServiceRecord", [{"from": "person:p1", "to": "service:s1"}, {"from": "person:p1", "to": "service:s2"}]),
    ("AT", "ServiceRecord", "AdminArea", [{"from": "service:s1", "to": "area:c1"}, {"from": "service:s2", "to": "area:k1"}]),
    ("SIGNED", "AdminArea", "Agreement", [{"from": "area:c1", "to": "agreement:a1", "role": "PARTY_A"}]),
    ("FORMALIZES", "Agreement", "Pairing", [{"from": "agreement:a1", "to": "pairing:p1"}]),
    ("HAS_STATISTIC", "AdminArea", "Statistic", [{"from": "area:d", "to": "stat:agr"}]),
    ("PUBLISHES", "AdminArea", "Demand", [
        {"from": "area:c1", "to": "demand:d1"}, {"from": "area:k1", "to": "demand:d2"}, {"from": "area:c1", "to": "demand:d3"}]),
    ("IN_CATEGORY", "Demand", "Category", [{"from": "demand:d1", "to": "cat:med"}, {"from": "demand:d3", "to": "cat:med"}]),
    ("IN_CATEGORY", "Resource", "Category", [
        {"from": "resource:r1", "to": "cat:med"}, {"from": "resource:r2", "to": "cat:med"}, {"from": "resource:r5", "to": "cat:med"}]),
    ("OFFERS", "Unit", "Resource", [
        {"from": "unit:u1", "to": "resource:r1"}, {"from": "unit:u4", "to": "resource:r2"}, {"from": "unit:u5", "to": "resource:r5"}]),
    ("CLAIMED", "Unit", "Demand", [{"from": "unit:u1", "to": "demand:d3", "role": "LEAD", "status": "ACTIVE"}]),
    ("CLAIMED", "Unit", "Project", [{"from": "unit:u1", "to": "project:j1", "role": "LEAD", "status": "ACTIVE"}]),
    ("UNDER", "Project", "Pairing", [{"from": "project:j1", "to": "pairing:p1"}]),
    ("BELONGS_TO", "Unit", "Alliance", [{"from": "unit:u1", "to": "alliance:al", "role": "LEAD"}, {"from": "unit:u3", "to": "alliance:al", "role": "MEMBER"}]),
    ("ABOUT", "Evaluation", "Pairing", [
        {"from": "eval:e1", "to": "pairing:p1"}, {"from": "eval:e2", "to": "pairing:p2"}, {"from": "eval:e3", "to": "pairing:p2"}]),
    ("GAVE", "AdminArea", "Evaluation", [{"from": "area:c1", "to": "eval:e1"}]),
    ("OF", "Evaluation", "Unit", [{"from": "eval:e1", "to": "unit:u1"}]),
]


async def build(engine: Any) -> None:
    now = dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)
    d = engine.dialect

    async def work(tx: Any) -> None:
        for label, rows in NODES.items():
            await tx.run(upsert_nodes(d, label, _full(label, rows), now))
        for rel, a, b, rows in RELS:
            res = await tx.run(merge_rels(d, rel, a, b, rows))
            assert int(res[0]["n"]) == len(rows), (rel, a, b)
        await rederive(tx, d, [r["id"] for r in NODES["Pairing"]])
        await tallies.rebuild_in(tx, d)  # written behind the service's back: recount the roll-ups' tallies

    await engine.write(work)
