"""Building blocks of the offline commands (`explain`, `check`, `env`, `tail`, `report`,
`demo`): .env and environment linting, log viewing and reports, trust-store helpers."""
