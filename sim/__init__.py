"""Swarm coordination simulator."""
