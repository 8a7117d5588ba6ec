"""The strategy page's pure parts: steps per segment, the diff, errors by line."""

from __future__ import annotations

from creditflow.strategy.schema import parse_strategy
from creditflow.strategy.service import default_strategy_text
from creditflow.workbench.strategy_view import lines_with_errors, segment_views, version_diff


def test_the_default_strategy_is_drawn_per_segment_with_timings_as_written():
    views = {v.name: v for v in segment_views(parse_strategy(default_strategy_text()))}
    assert list(views) == ["late_payers", "consumers", "business"]
    assert views["business"].when is None
    consumers = views["consumers"].steps
    assert [s.at for s in consumers][:2] == ["due-3d", "due+7d"]
    costs = next(s for s in consumers if s.id == "costs")
    assert (costs.at, costs.what) == ("final_notice+15d", "charge: collection_costs")
    call = next(s for s in consumers if s.id == "call")
    assert (call.what, call.when) == ("task: call", "overdue_total >= 250")


def test_a_diff_marks_the_changed_line_removed_and_added_with_both_line_numbers():
    old = "a\nb\nc\nd\n"
    new = "a\nB\nc\nd\ne\n"
    marks = [(line.mark, line.old, line.new, line.text) for line in version_diff(old, new)]
    assert ("-", 2, None, "b") in marks and ("+", None, 2, "B") in marks
    assert ("+", None, 5, "e") in marks and (" ", 3, 3, "c") in marks
    assert version_diff(old, old) == []


def test_errors_go_beside_their_lines_and_one_past_the_end_goes_on_the_last_line():
    lines, unplaced = lines_with_errors("x: 1\ny: [\n", [(2, "bad"), (3, "end"), (None, "file")])
    assert [(line.number, line.errors) for line in lines] == [(1, ()), (2, ("bad", "end"))]
    assert unplaced == ["file"]
