"""Which reported figure (a ``Statistic``) each roll-up count is compared with — the one place that says so.

A comparison is only worth making like with like. The articles report figures that count one kind of
thing: 双流's 479 are 「共商结对共建责任(协议)书」 (PAIRING_RESPONSIBILITY agreements), 海信社区's 11
are the units that signed 《共驻共建协议书》 (CO_RESIDENCE_CO_BUILDING, one agreement each). Comparing
such a figure with the count of *every* kind of agreement made 海信社区 show 12 against 11 although the
graph holds exactly the 11 agreements the source names (the 12th is its 发展协议 with the 红色联盟
merchants, another kind). So each :class:`Figure` names the graph measure, the agreement kind it counts
(if any), the ``Statistic.metric`` keys that report the same thing, and the definition of both sides,
which the GraphQL answer carries beside the numbers.

The sources' figures map as follows (domain.md §1.9 and §4.7):

==========================================  ==============================  ================================
source sentence                             Statistic.metric                graph measure
==========================================  ==============================  ================================
「全区180个机关事业单位…结对共建」 F001     cobuilding_agencies_institutions  agenciesInstitutionsCoBuilding
「355个“两新”组织…结对共建」 F001          cobuilding_two_new_orgs           twoNewCoBuilding
「与134个社区结对共建」 F001                communities_paired                communitiesCovered
「选任社区兼职委员256名」 F001              part_time_committee_members       partTimeCommitteeMembers
「签订共商结对共建责任(协议)书479份」 F001  pairing_responsibility_agreements agreements of kind PAIRING_RESPONSIBILITY
「海信社区…与辖区11家企事业单位签订        co_residence_agreements           agreements of kind CO_RESIDENCE_CO_BUILDING
《共驻共建协议书》」 F002
==========================================  ==============================  ================================

``agreements_signed`` stays for figures that do not say which kind they count (an import, a partner's
feed): it is compared with agreements of every kind, and the definition says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobuild.graph import model


@dataclass(frozen=True)
class Figure:
    measure: str                      # the comparison's ``metric`` (a field name of the roll-up answer or agreements<Kind>)
    metrics: tuple[str, ...]          # Statistic.metric keys that report this measure
    zh: str                           # definition, Chinese
    en: str                           # definition, English
    agreement_type: str | None = None  # the agreement kind counted (agreement measures only)

    @property
    def definition(self) -> str:
        return f"{self.zh} / {self.en}"


_COMMUNITIES_ZH = "该区域下的社区(含直属于区的社区)及其小区、网格"
_COMMUNITIES_EN = "the communities under the area (including those directly under a district) and their compounds and grids"


def _kind_measure(kind: str) -> str:
    return "agreements" + "".join(w.capitalize() for w in kind.lower().split("_"))


_KIND_ZH = {
    "CO_RESIDENCE_CO_BUILDING": "《共驻共建协议书》",
    "JOINT_BUILDING": "联建协议",
    "PAIRING_RESPONSIBILITY": "共商结对共建责任(协议)书",
    "DEVELOPMENT": "发展协议",
}
_KIND_METRICS = {
    "CO_RESIDENCE_CO_BUILDING": ("co_residence_agreements",),
    "JOINT_BUILDING": ("joint_building_agreements",),
    "PAIRING_RESPONSIBILITY": ("pairing_responsibility_agreements",),
    "DEVELOPMENT": ("development_agreements",),
}
_KIND_NOTE = {
    "CO_RESIDENCE_CO_BUILDING": ("海信社区的公布数字数的是签订协议书的企事业单位(每家一份)",
                                 "海信社区's figure counts the units that signed (one agreement each)"),
}

FIGURES: tuple[Figure, ...] = (
    Figure("agenciesInstitutionsCoBuilding",
           ("cobuilding_agencies_institutions", "co_building_agencies_institutions", "agencies_institutions_co_building",
            "agencies_institutions_paired"),
           f"与{_COMMUNITIES_ZH}有效结对的不同机关事业单位(GOV_AGENCY、PUBLIC_INSTITUTION)数",
           f"distinct agencies and public institutions (GOV_AGENCY, PUBLIC_INSTITUTION) in an active pairing with {_COMMUNITIES_EN}"),
    Figure("twoNewCoBuilding",
           ("cobuilding_two_new_orgs", "co_building_two_new_orgs", "two_new_orgs_co_building", "two_new_co_building", "two_new_paired"),
           f"与{_COMMUNITIES_ZH}有效结对的不同“两新”组织(非公企业、社会组织等)数",
           f"distinct 两新 organisations (non-public enterprises, social organisations …) in an active pairing with {_COMMUNITIES_EN}"),
    Figure("communitiesCovered",
           ("communities_paired", "co_building_communities", "communities_co_building", "cobuilding_communities"),
           "本身或其小区、网格有有效结对的社区数",
           "communities that, themselves or through a compound or grid, have an active pairing"),
    Figure("partTimeCommitteeMembers",
           ("part_time_committee_members", "parttime_committee_members"),
           f"在{_COMMUNITIES_ZH}的党组织担任兼职委员的不同人员数",
           f"distinct persons holding a part-time committee seat in a party organisation of {_COMMUNITIES_EN}"),
    *(
        Figure(_kind_measure(kind), _KIND_METRICS[kind],
               f"{_COMMUNITIES_ZH}或其党组织签订、或确立其结对的{_KIND_ZH[kind]}({kind})份数"
               + (f";{_KIND_NOTE[kind][0]}" if kind in _KIND_NOTE else ""),
               f"agreements of kind {kind} ({_KIND_ZH[kind]}) signed by {_COMMUNITIES_EN} or their party organisations, "
               "or formalising their pairings" + (f"; {_KIND_NOTE[kind][1]}" if kind in _KIND_NOTE else ""),
               kind)
        for kind in model.AGREEMENT_TYPES
    ),
    Figure("agreements", ("agreements_signed", "agreements"),
           f"{_COMMUNITIES_ZH}或其党组织签订、或确立其结对的各类协议合计份数;只与未注明协议种类的公布数字对照",
           f"agreements of every kind signed by {_COMMUNITIES_EN} or their party organisations, or formalising their "
           "pairings; compared only with figures that do not say which kind they count"),
)
FIGURES_BY_MEASURE: dict[str, Figure] = {f.measure: f for f in FIGURES}


def agreement_measure(kind: str) -> str:
    """The comparison ``metric`` of an agreement kind (``PAIRING_RESPONSIBILITY`` → ``agreementsPairingResponsibility``)."""
    return _kind_measure(kind)


def figure_for_metric(metric: str) -> Figure | None:
    """The figure a ``Statistic.metric`` is compared with, if any."""
    return next((f for f in FIGURES if metric in f.metrics), None)
