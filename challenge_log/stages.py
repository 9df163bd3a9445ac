"""The default stages of escalation (the London procedures' four levels): the data
migration and ``apps.ensure_default_stages`` create them; the partnership changes them in
the admin."""

DEFAULT_STAGES = [
    # number, name, responder, working days, urgent working days
    (1, "Practitioner to practitioner", "agencies.respond_to_challenge", 5, 1),
    (2, "Manager to manager", "agencies.respond_challenge_manager", 5, 1),
    (3, "Designated or senior leads", "agencies.respond_challenge_senior", 5, 2),
    (4, "The partnership Chair", "challenge_log.decide_challenge", 10, 3),
]
