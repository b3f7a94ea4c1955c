"""The keys under which the report notebook's displayed parts carry the report's metadata (title,
agency, issue date, language) and, on the 校验结果 part, the marks of the cells findings point at
(class, tooltip, the item to link back to, the expected value) and, on the 与上年度比较 part, each cell
beside last year's, for the exporters to read back.

A module of its own so that exporting HTML does not import the kernel-side helper stack
(pandas, IPython, the params model) that ``nianbao.report.notebook`` needs.
"""

META_KEY = "nianbao"
REVIEW_CELLS_KEY = "nianbao.review_cells"
# On the 与上年度比较 part: cell ref → the note shown under its value (上年 12 / +3 · +25%).
REVIEW_YOY_KEY = "nianbao.review_yoy"

# The MIME type of a displayed part's content as plain data (``nianbao.report.content``), carried in
# the same display bundle as its HTML: the Word exporter builds report.docx from it.
PART_MIME = "application/vnd.nianbao.part+json"
