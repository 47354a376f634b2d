"""Annotating a new document: from a file to reviewed annotations in minutes.

- :mod:`.newsource` — ``kg new-source``: a .txt or .pdf into ``sources/NNN/``;
- :mod:`.suggest` — ``kg suggest``: mentions, new entities and claims, each with its quote,
  ``confidence`` and ``why``;
- :mod:`.review` — ``kg review``: the offline page that shows a source with its
  annotations, the checks' warnings and the suggestions to accept or reject.
"""
