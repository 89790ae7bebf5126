"""The user's Bitwarden vault: the pinned `bw` CLI adapter, per-login CLI data directories and
the vault session store. Shared by `auth` (login, logout) and `secrets` (resolving references).
"""
