"""What the report notebook shows: the tables in the template's shape, the HTML fragments of each part,
and the helpers the notebook's cells call (``from nianbao.report import notebook as nb``).

Everything here runs inside the Jupyter kernel; nothing here writes files.
"""
