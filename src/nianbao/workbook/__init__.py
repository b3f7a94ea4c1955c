"""The fill-in workbook: the three tables as in the template, totals as formulas, validated cells;
``nianbao new --xlsx`` writes it and ``nianbao import`` reads it back.
"""

from nianbao.workbook.form import read_workbook, table_layout, write_workbook

__all__ = ["read_workbook", "table_layout", "write_workbook"]
