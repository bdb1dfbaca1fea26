"""The operators' and auditors' application layer behind `switching`.

- `engine`: the one engine locator (environment, else the running dev stack's lock file);
- `errors`: the operator error tree, and the one mapping of every failure to an exit status;
- `commands`, `audit_commands`: the command bodies `cli.py` runs;
- `switches`, `audit`, `audit_show`, `db`: what those commands do;
- `switch_workflow`: a switch's workflow as it stands (query if running, result if closed);
- `timeline`, `render`: how a switch's timeline and reports print;
- `lockfile`: the dev stack's lock file, as its readers see it.
"""
