"""Publishing an executed report notebook: the nbconvert exporters (HTML page, review copy, PDF), the
names of the files a report is published as, and ``build/index.html``.
"""
