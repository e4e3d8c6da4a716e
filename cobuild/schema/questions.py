"""Network questions as first-class fields (placeholder until the questions land)."""

import strawberry


@strawberry.type
class QuestionQuery:
    pass
