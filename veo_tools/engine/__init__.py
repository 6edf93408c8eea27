"""The engine behind ``VeoService``: planning, submission, following, batches and re-renders.

Front-ends never import from here; they call the facade in ``veo_tools.service``.
"""
