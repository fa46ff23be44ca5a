"""The learner grid's rows as HTML, built in Python because it is the dashboard's hot loop.

A class of 200 learners and 8 assignments is 1,800 cells re-rendered every 3 seconds per open
dashboard; the template language spends ~40 ms on that, this ~5 ms. Every value goes through
`format_html` / `escape`, so display names cannot inject markup (tests post `<script>` names).
Links carry stable ids so htmx puts keyboard focus back on the same learner after each poll.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from kmslab.classroom.dashboard import LearnerRow


def grid_rows(rows: Sequence[LearnerRow], dashboard_url: str) -> SafeString:
    out = []
    for row in rows:
        cells = format_html_join("", '<td class="{}" data-status="{}">{}</td>',
                                 ((c.css, c.status, c.text) for c in row.cells))
        quiz = format_html_join("", '<td class="cls-num">{}</td>', ((q,) for q in row.quiz_text))
        out.append(format_html(
            '<tr><th scope="row"><a id="learner-{}" href="{}learners/{}/">{}</a></th>{}{}</tr>\n',
            row.membership.pk, dashboard_url, row.membership.pk, row.membership.display_name, cells, quiz,
        ))
    return mark_safe("".join(out))  # each part was built by format_html above
