"""The ``search`` root field: find areas, units, organisations, programs … by name or alias."""

from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from cobuild.graph import model
from cobuild.graph.compile import DEFAULT_FIRST, MAX_FIRST
from cobuild.resolvers import search as run
from cobuild.schema.filters import bi, described_enum

SearchLabel = described_enum(
    "SearchLabel", bi("可按名称搜索的类型(人员及评议、服务记录除外)", "Types searchable by name (not persons, evaluations or service records)"),
    {name: (model.label(name).zh, model.label(name).en) for name in run.SEARCHABLE},
)


@strawberry.type(description=bi("搜索结果(详情用 node(id) 或对应类型的查询获取)", "A search hit (fetch details with node(id) or the label's lookup)"))
class SearchHit:
    id: strawberry.ID = strawberry.field(description=bi("编号", "Id"))
    label: SearchLabel = strawberry.field(description=bi("类型", "Label"))  # type: ignore[valid-type]
    name: Optional[str] = strawberry.field(description=bi("名称", "Name"))
    aliases: Optional[list[str]] = strawberry.field(description=bi("别名", "Other names"))
    score: float = strawberry.field(description=bi(
        "相关度 0–1,两种存储规则相同:名称全等 1.0 > 别名全等 0.9 > 名称以搜索词开头 0.7–0.8 > 名称包含 0.5–0.6 > 别名包含 0.3–0.4 > 各词分散出现 0.1–0.2;同档内搜索词占名称越多越高",
        "Relevance 0–1, the same rule on both stores: exact name 1.0 > exact alias 0.9 > name starts with the text 0.7–0.8 > "
        "name contains it 0.5–0.6 > an alias contains it 0.3–0.4 > the terms occur apart 0.1–0.2; within a band, the more of the name the text covers, the higher"))


@strawberry.type(description=bi("搜索", "Search"))
class SearchQuery:
    @strawberry.field(description=bi("按名称或别名搜索:按空格分词,每个词都须出现在名称或某个别名中(中文词须连续出现);全等优先;一条语句",
                                     "Search by name or alias: the text is split on spaces and every term must occur in the name or an alias "
                                     "(a Chinese term as a consecutive string); exact matches first; one statement"))
    async def search(
        self, info: strawberry.Info,
        text: Annotated[str, strawberry.argument(description=bi("搜索词", "Text to search for"))],
        labels: Annotated[Optional[list[SearchLabel]], strawberry.argument(  # type: ignore[valid-type]
            description=bi("只搜这些类型(默认全部)", "Only these types (default: all searchable)"))] = None,
        first: Annotated[int, strawberry.argument(description=bi(f"最多返回条数(默认 {DEFAULT_FIRST},最大 {MAX_FIRST})",
                                                                 f"At most this many (default {DEFAULT_FIRST}, max {MAX_FIRST})"))] = DEFAULT_FIRST,
    ) -> list[SearchHit]:
        chosen = [lab.value for lab in labels] if labels else None
        return [SearchHit(id=h["id"], label=SearchLabel(h["label"]), name=h["name"], aliases=h["aliases"], score=float(h["score"]))
                for h in await run.search(info, text, chosen, first)]
