"""The caps on a query's text, where the command line reads their defaults without loading
the query engine (:mod:`.query` applies them: :func:`.query.scan_query`)."""

MAX_QUERY_TOKENS = 100_000  # kg query / kg serve --max-query-tokens (see scan_query)
# kg query / kg serve --max-query-depth: Oxigraph's parser recurses per level of nesting and
# overflows its stack (SIGSEGV) at about 3,000 braces, 5,000 parentheses or 10,000 "!".
MAX_QUERY_DEPTH = 256
