"""Replay and what-if: real logs through a policy on a simulated clock (R-SIM-1, R-POL-5).

``runner`` holds the use cases (``replay_policy``, ``simulate``), ``engine`` the simulation,
``metrics`` what is counted, ``agreement`` the comparisons with what a log recorded, ``render``
and ``chart`` the outputs. docs/replay.md describes the method and the figures.
"""
