"""Result types of the two-way evaluation questions: Q31 scores, Q32 pairings missing an evaluation."""

from typing import Optional

import strawberry

from cobuild.schema.filters import ENUMS, bi
from cobuild.schema.questions.common import AdminAreaT, EvaluationT, PairingT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

EvaluationDirection = ENUMS["EvaluationDirection"]


@strawberry.type(description=bi("一次评议", "One evaluation"))
class EvaluationScore:
    evaluation: EvaluationT = _f("评议", "Evaluation")
    pairing: PairingT = _f("所涉结对", "The pairing")
    giver: Optional[NodeRef] = _f("评议方", "Who evaluated")
    target: Optional[NodeRef] = _f("被评议方", "Who was evaluated")


@strawberry.type(description=bi("双向评议得分(Q31)", "Two-way evaluation scores (Q31)"))
class EvaluationScoresResult:
    pairing: Optional[PairingT] = _f("所问结对(若指定)", "The pairing asked about, if any")
    count: int = _f("评议数", "Evaluations")
    average_score: Optional[float] = _f("平均分", "Average score")
    items: list[EvaluationScore] = _f("评议:按结对编号、年度降序、方向、评议编号", "Evaluations by pairing id, year descending, direction, evaluation id")


@strawberry.type(description=bi("缺少本年度评议的结对", "A pairing missing this year's evaluation"))
class MissingEvaluation:
    pairing: PairingT = _f("结对", "Pairing")
    missing_directions: list[EvaluationDirection] = _f("缺少的方向(AREA_TO_UNIT 在前)", "Directions missing (AREA_TO_UNIT first)")  # type: ignore[valid-type]
    parties: list[NodeRef] = _f("结对各方(含 side;按 side、名称、编号排序)", "Parties of the pairing (with side), by side, name, then id")


@strawberry.type(description=bi("缺少年度双向评议的有效结对(Q32)", "Active pairings missing a two-way evaluation (Q32)"))
class MissingEvaluationsResult:
    area: Optional[AdminAreaT] = _f("所问区域(若指定)", "The area asked about, if any")
    year: int = _f("年度", "Year")
    count: int = _f("结对数", "Pairings")
    items: list[MissingEvaluation] = _f("结对(按编号排序)", "Pairings, by id")
