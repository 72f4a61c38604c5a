"""The mitmproxy layer: the addon and its hooks, turning flows into plain data and writing
results back. The only package that imports mitmproxy at run time."""
