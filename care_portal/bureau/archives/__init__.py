"""What the agents' bulk actions keep (care_portal.bureau, issue 21): the report of each run and the ZIP
archives of dossiers' documents. A sub-app of the desk (label ``bureau_archives``) so that its models and
migrations stay apart from the desk's own (assignment, notes, labels, saved filters)."""
