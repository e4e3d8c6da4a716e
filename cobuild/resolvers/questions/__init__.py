"""The network questions of domain.md §3, one module per family; each module owns, per question, the
checks of its arguments, its one statement (``q<N>_…``), the shaping of the rows (``shape_…``) and
the async root resolver bound to the field in :mod:`cobuild.schema.questions.query`:

* :mod:`~cobuild.resolvers.questions.partners` — Q1 co-builders of a community, Q2 a unit's
  communities, Q4 resident units not engaged, Q8 similar communities;
* :mod:`~cobuild.resolvers.questions.coverage` — Q3 coverage gaps, Q13 units without projects;
* :mod:`~cobuild.resolvers.questions.rollups` — Q5/Q44 roll-up, Q12 claim rates;
* :mod:`~cobuild.resolvers.questions.network` — Q6 shortest connection, Q7 hubs, Q9 isolated clusters;
* :mod:`~cobuild.resolvers.questions.demands` — Q10 unclaimed demands, Q11 demand matching;
* :mod:`~cobuild.resolvers.questions.members` — Q17 reporting members, Q20 part-time committee
  members, Q26 alliance members;
* :mod:`~cobuild.resolvers.questions.evaluations` — Q31 evaluation scores, Q32 missing evaluations;
* :mod:`~cobuild.resolvers.questions.common` — the statement builder :class:`Q`, checks and helpers.

The statement builders and shapes are re-exported here by name for scripts, benches and tests
(``from cobuild.resolvers import questions as R; R.q5_rollup(R.Q(), area_id)``).
"""

from cobuild.resolvers.questions.common import Q
from cobuild.resolvers.questions.coverage import (q3_coverage_gaps, q13_units_without_projects, shape_coverage_gaps,
                                                  shape_units_without_projects)
from cobuild.resolvers.questions.demands import q10_unclaimed_demands, q11_match_demands, shape_matches, shape_unclaimed
from cobuild.resolvers.questions.evaluations import (q31_evaluation_scores, q32_missing_evaluations, shape_evaluations,
                                                     shape_missing)
from cobuild.resolvers.questions.members import (q17_reported_members, q20_part_time_members, q26_alliance_members,
                                                 shape_alliance, shape_part_time, shape_reported)
from cobuild.resolvers.questions.network import (CLUSTER_TYPES, HUB_TYPES, choose_path, q6_shortest_connection, q_projection,
                                                 shape_shortest_connection)
from cobuild.resolvers.questions.partners import (q1_co_builders, q2_unit_communities, q4_resident_units, q8_similar_communities,
                                                  shape_co_builders, shape_resident_units, shape_similar, shape_unit_communities)
from cobuild.resolvers.questions.rollups import q5_rollup, q12_claim_rates, shape_claim_rates, shape_rollup
from cobuild.schema.questions.network import CONNECTION_TYPES

__all__ = ["CONNECTION_TYPES", "Q", "CLUSTER_TYPES", "HUB_TYPES", "choose_path", "q10_unclaimed_demands", "q11_match_demands",
           "q12_claim_rates", "q13_units_without_projects", "q17_reported_members", "q1_co_builders", "q20_part_time_members",
           "q26_alliance_members", "q2_unit_communities", "q31_evaluation_scores", "q32_missing_evaluations",
           "q3_coverage_gaps", "q4_resident_units", "q5_rollup", "q6_shortest_connection", "q8_similar_communities",
           "q_projection", "shape_alliance", "shape_claim_rates", "shape_co_builders", "shape_coverage_gaps",
           "shape_evaluations", "shape_matches", "shape_missing", "shape_part_time", "shape_reported", "shape_resident_units",
           "shape_rollup", "shape_shortest_connection", "shape_similar", "shape_unclaimed", "shape_unit_communities",
           "shape_units_without_projects"]
