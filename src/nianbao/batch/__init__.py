"""The build pipeline: which agency-years are stale (content keys, state records), the unit of work a
worker runs (execute the notebook, publish its files), the executors that run many of them (inline,
a process pool with warm kernels, Dask), and the papermill engine that keeps those kernels warm.
"""
