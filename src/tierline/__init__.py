"""Tierline: escalation management for customer-support and contact-centre teams."""

__version__ = "0.1.0"
