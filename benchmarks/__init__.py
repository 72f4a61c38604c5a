"""Performance benchmarks of authlens against bare mitmdump and a direct connection (issue 7)."""
