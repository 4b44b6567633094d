"""A real single-node OpenSearch for dev and tests, built from Maven Central jars (see node.py)."""
