"""The escalation core: pure Python, standard library only.

Everything here takes time as an argument (``now`` or explicit instants) so that every rule can be
tested on plain objects with a fixed clock, and so the service layer, replay and simulation all run
the same code.
"""
