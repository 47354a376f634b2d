"""SPARQL over the graph, and the graph into other stores.

- :mod:`.query` — saved queries, the SERVICE check, parameter binding, running a query on
  pyoxigraph (``kg query``) and the result writers;
- :mod:`.sandbox` — query processes without network, memory caps;
- :mod:`.serve` — ``kg serve``: the SPARQL 1.1 Protocol endpoint and its worker pool;
- :mod:`.service_description` — what the endpoint says about itself;
- :mod:`.pages` — the endpoint's pages for people (query editor, entity pages);
- :mod:`.push` — ``kg push``: named graphs into a Graph Store, in full or as a difference.
"""
