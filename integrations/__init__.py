"""Adapters: each speaks one tool's credential protocol over the core (git, docker, kubectl, ...)."""
