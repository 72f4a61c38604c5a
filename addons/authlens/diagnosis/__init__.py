"""Diagnosis: the evidence read from one exchange, the rules table (request, response and
connection rules) and the precedence that picks one cause. Pure: never imports mitmproxy."""
