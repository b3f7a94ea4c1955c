"""The batch's analysis: figures across every agency-year, read from build/data/ (the open data).

``measures`` computes totals, rates, distributions, outliers and findings by rule (what is counted is data,
``measures.yaml``); ``charts`` draws them as static SVG; ``display`` shows each part for
``notebooks/overview.ipynb``, which the build executes into ``build/overview.html``.
"""
