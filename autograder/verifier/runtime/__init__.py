"""Runs inside the verifier process (copied into its scratch folder); see server.py."""
