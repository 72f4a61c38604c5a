"""Credentials: key formats and fingerprints, where a request carries its key, and the one
classifier of keys and organization/project values shared by the proxy, `explain` and
`check`. Pure: never imports mitmproxy."""
