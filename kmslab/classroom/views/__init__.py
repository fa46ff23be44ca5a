"""Classroom pages: `teach` for instructors (own classes only), `learn` for learners (own
memberships only). Every object is fetched through its owner or the caller's learner key."""
