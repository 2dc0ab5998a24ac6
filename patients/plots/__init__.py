"""Server-rendered SVG plots of a child's record, pure Python (no Django).

Each engine takes plain series (dates and numbers, already-translated words) and returns SVG markup
built with xml.etree.ElementTree, so every text is escaped. The markup has no script and no style
attribute (the strict CSP holds): colours and line styles come from classes in the site CSS. A
viewBox with width 100% lets a plot scale down to a 375 px phone; the data table beside it is the
text alternative.
"""
