"""What authlens writes: redaction, the annotated error body, the log event and the JSON log
sink. Pure: never imports mitmproxy."""
