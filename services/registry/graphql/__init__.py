"""The auditors' GraphQL API (Strawberry): read-only, for the auditor and admin roles."""
