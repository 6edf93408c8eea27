"""Protocol adapters beyond Veo's two channel clients (``veo_tools/channels/``): one per wire
protocol, all with the channel clients' surface (``submit``, ``get``, ``download``).

* :mod:`.volcano` — Volcano Engine tasks (Seedance), ``/seedance/api/v3/...``.
* :mod:`.dashscope` — DashScope async passthrough (Wan, HappyHorse), ``/wan/api/v1/...``.
* :mod:`.grok` — Grok Imagine over the OpenAI Videos endpoints (``/v1/videos``).

Status spellings, id fields, result locations and error shapes stay inside each adapter; the
engine sees :class:`~veo_tools.channels.base.RemoteTask`.
"""
